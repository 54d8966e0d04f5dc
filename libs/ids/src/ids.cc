#include "shopcast/ids/ids.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "random_pool.h"
#include "sodium.h"

namespace shopcast::ids {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr size_t kIdBytes = 16;

bool IsValidPrefix(absl::string_view prefix) {
  if (prefix.empty() || prefix.size() > 8) return false;
  for (char c : prefix) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

bool InAlphabet(char c) {
  // Upper case only: lower case, I, L, O and U are rejected so each id has one spelling.
  for (const char* p = kAlphabet; *p != '\0'; ++p) {
    if (*p == c) return true;
  }
  return false;
}

// CrockfordEncode into `out`, which has room for ceil(8n/5) characters.
void EncodeTo(const uint8_t* data, size_t n, char* out) {
  const size_t chars = (n * 8 + 4) / 5;
  // Leading zero bits make the total a multiple of 5, so the value reads as one big number.
  unsigned bits = static_cast<unsigned>(chars * 5 - n * 8);
  uint32_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      *out++ = kAlphabet[(acc >> bits) & 0x1F];
    }
    acc &= (1u << bits) - 1;
  }
}

}  // namespace

std::string CrockfordEncode(const uint8_t* data, size_t n) {
  std::string out((n * 8 + 4) / 5, '0');
  EncodeTo(data, n, out.data());
  return out;
}

std::string NewId(absl::string_view prefix) {
  if (!IsValidPrefix(prefix)) {
    // A broken invariant in our own code (prefixes are compile-time constants): crash loudly.
    std::fprintf(stderr, "NewId: id prefix must be 1..8 letters a-z\n");
    std::abort();
  }
  std::array<uint8_t, kIdBytes> raw;
  internal::RandomBytes(raw.data(), raw.size());
  std::string id = absl::StrCat(prefix, "_", CrockfordEncode(raw.data(), raw.size()));
  sodium_memzero(raw.data(), raw.size());
  return id;
}

std::string NewTimeOrderedId(absl::string_view prefix, absl::Time now) {
  if (!IsValidPrefix(prefix)) {
    std::fprintf(stderr, "NewTimeOrderedId: id prefix must be 1..8 letters a-z\n");
    std::abort();
  }
  std::array<uint8_t, kIdBytes> raw;
  // Big-endian milliseconds in the first 6 bytes (48 bits last until the year 10889).
  const uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixMillis(now)));
  for (int i = 0; i < 6; ++i) raw[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  internal::RandomBytes(raw.data() + 6, raw.size() - 6);
  std::string id = absl::StrCat(prefix, "_", CrockfordEncode(raw.data(), raw.size()));
  sodium_memzero(raw.data(), raw.size());
  return id;
}

InlineId NewUniqueInlineId(absl::string_view prefix) {
  if (!IsValidPrefix(prefix)) {
    std::fprintf(stderr, "NewUniqueId: id prefix must be 1..8 letters a-z\n");
    std::abort();
  }
  // Random per process, so two processes (or two restarts) don't hand out the same ids.
  static const uint64_t process_bits = [] {
    internal::EnsureSodium();
    uint64_t v;
    randombytes_buf(&v, sizeof v);
    return v;
  }();
  static std::atomic<uint64_t> counter{0};
  const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  std::array<uint8_t, kIdBytes> raw;
  for (int i = 0; i < 8; ++i) {
    raw[i] = static_cast<uint8_t>(process_bits >> (56 - 8 * i));
    raw[8 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  }
  InlineId id;
  char* out = std::copy(prefix.begin(), prefix.end(), id.chars_.data());
  *out++ = '_';
  EncodeTo(raw.data(), raw.size(), out);
  id.size_ = prefix.size() + 1 + kIdBodyLength;
  return id;
}

std::string NewUniqueId(absl::string_view prefix) {
  return std::string(NewUniqueInlineId(prefix).view());
}

bool IsValidId(absl::string_view id, absl::string_view prefix) {
  if (id.size() != prefix.size() + 1 + kIdBodyLength) return false;
  if (id.substr(0, prefix.size()) != prefix || id[prefix.size()] != '_') return false;
  absl::string_view body = id.substr(prefix.size() + 1);
  // 26 characters carry 130 bits; the top two are padding and must be zero.
  if (body[0] > '7') return false;
  for (char c : body) {
    if (!InAlphabet(c)) return false;
  }
  return true;
}

}  // namespace shopcast::ids
