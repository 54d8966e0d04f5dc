#include "shopcast/pagetoken/codec.h"

#include <sodium.h>

#include <stdexcept>
#include <utility>

#include "absl/strings/escaping.h"
#include "shopcast/status/status.h"

namespace shopcast::pagetoken {
namespace {

// Format version, first byte of every token body; a new layout takes a new number.
constexpr char kVersion = 1;
constexpr size_t kKeyBytes = 8;
constexpr size_t kMacBytes = crypto_auth_hmacsha256_BYTES;

absl::Status BadToken() {
  return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "page token is not valid");
}

bool IsPrintableAscii(absl::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t ReadBigEndian(absl::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < kKeyBytes; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

void EnsureSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

absl::StatusOr<Codec> Codec::Create(absl::string_view key) {
  if (key.size() < kMinKeyBytes) {
    return InvalidArgument("page_token_key", "PAGE_TOKEN_KEY_INVALID",
                           "the page token key must hold at least 32 bytes");
  }
  EnsureSodium();
  return Codec(std::string(key));
}

Codec Codec::WithRandomKey() {
  EnsureSodium();
  std::string key(kMinKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  return Codec(std::move(key));
}

// The MAC covers the list name with its length, so ("ab", "c…") and ("a", "bc…") differ.
std::string Codec::Mac(absl::string_view list, absl::string_view body) const {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key_.data()),
                              key_.size());
  std::string len;
  AppendBigEndian(list.size(), &len);
  for (absl::string_view part : {absl::string_view(len), list, body}) {
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  }
  std::string mac(kMacBytes, '\0');
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

std::string Codec::Encode(absl::string_view list, const Cursor& cursor) const {
  std::string body(1, kVersion);
  AppendBigEndian(static_cast<uint64_t>(cursor.key), &body);
  body += cursor.id;
  return absl::WebSafeBase64Escape(body + Mac(list, body));
}

absl::StatusOr<Cursor> Codec::Decode(absl::string_view list, absl::string_view token) const {
  if (token.size() > kMaxTokenBytes) return BadToken();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return BadToken();
  if (raw.size() < 1 + kKeyBytes + kMacBytes) return BadToken();
  absl::string_view all(raw);
  absl::string_view body = all.substr(0, all.size() - kMacBytes);
  absl::string_view mac = all.substr(body.size());
  std::string want = Mac(list, body);
  if (sodium_memcmp(want.data(), mac.data(), kMacBytes) != 0) return BadToken();
  // Authentic: we made it. The checks below guard against a key that leaked.
  if (body[0] != kVersion) return BadToken();
  Cursor c;
  c.key = static_cast<int64_t>(ReadBigEndian(body.substr(1)));
  absl::string_view id = body.substr(1 + kKeyBytes);
  if (id.size() > kMaxIdBytes || !IsPrintableAscii(id)) return BadToken();
  c.id = std::string(id);
  return c;
}

}  // namespace shopcast::pagetoken
