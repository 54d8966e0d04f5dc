#include "lottery_rules/draw.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace shopcast::product_inventory::lottery_rules {
namespace {

void EnsureSodium() {
  static const bool kReady = [] {
    // A CSPRNG that cannot start is a broken host, not an input error: draws must never fall
    // back to anything weaker.
    if (sodium_init() < 0) std::abort();
    return true;
  }();
  (void)kReady;
}

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void PutU64(unsigned char* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}

// The HMAC block stream of the spec in draw.h, read word by word.
class WordStream {
 public:
  WordStream(absl::string_view seed, absl::string_view digest)
      : seed_(seed), prefix_(absl::StrCat(kAlgorithm, digest)) {}

  uint64_t Next() {
    if (offset_ == crypto_auth_hmacsha256_BYTES) Refill();
    uint64_t w = 0;
    for (int i = 0; i < 8; ++i) w = (w << 8) | block_[offset_ + i];
    offset_ += 8;
    return w;
  }

  // A uniform value in [0, m), m >= 1, by rejection of the biased top of the word range.
  uint64_t Uniform(uint64_t m) {
    // 2^64 mod m, computed without 2^64.
    const uint64_t rem = (UINT64_MAX % m + 1) % m;
    for (;;) {
      const uint64_t w = Next();
      if (rem == 0 || w < UINT64_MAX - rem + 1) return w % m;
    }
  }

 private:
  void Refill() {
    unsigned char counter[8];
    PutU64(counter, block_index_++);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(seed_.data()),
                                seed_.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(prefix_.data()),
                                  prefix_.size());
    crypto_auth_hmacsha256_update(&st, counter, sizeof(counter));
    crypto_auth_hmacsha256_final(&st, block_);
    offset_ = 0;
  }

  std::string seed_;
  std::string prefix_;
  uint64_t block_index_ = 0;
  unsigned char block_[crypto_auth_hmacsha256_BYTES] = {};
  size_t offset_ = crypto_auth_hmacsha256_BYTES;
};

}  // namespace

std::string NewSeed() {
  EnsureSodium();
  std::string seed(kSeedBytes, '\0');
  randombytes_buf(seed.data(), seed.size());
  return seed;
}

std::string Sha256(absl::string_view bytes) {
  EnsureSodium();
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

std::string EntrantsDigest(const std::vector<std::string>& entrants) {
  std::string encoded;
  for (const std::string& e : entrants) {
    PutU32(encoded, static_cast<uint32_t>(e.size()));
    encoded += e;
  }
  return Sha256(encoded);
}

absl::StatusOr<DrawResult> Draw(absl::string_view seed, const std::vector<std::string>& entrants,
                                int64_t units) {
  if (seed.size() != kSeedBytes) {
    return absl::InvalidArgumentError(absl::StrCat("seed must be ", kSeedBytes, " bytes"));
  }
  if (units < 0) return absl::InvalidArgumentError("units must not be negative");
  if (std::set<std::string>(entrants.begin(), entrants.end()).size() != entrants.size()) {
    return absl::InvalidArgumentError("an entrant is listed twice");
  }
  EnsureSodium();
  DrawResult result;
  result.entrants_digest = EntrantsDigest(entrants);
  const size_t n = entrants.size();
  const size_t k = static_cast<uint64_t>(units) < n ? static_cast<size_t>(units) : n;
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  WordStream words(seed, result.entrants_digest);
  for (size_t i = 0; i < k; ++i) {
    const size_t j = i + static_cast<size_t>(words.Uniform(n - i));
    std::swap(order[i], order[j]);
  }
  order.resize(k);
  for (size_t index : order) result.winners.push_back(entrants[index]);
  result.winner_indexes = std::move(order);
  return result;
}

absl::Status Verify(absl::string_view seed, absl::string_view commitment,
                    const std::vector<std::string>& entrants, int64_t units,
                    const std::vector<std::string>& winners) {
  if (Commitment(seed) != commitment) {
    return absl::FailedPreconditionError("SHA-256(seed) is not the published commitment");
  }
  absl::StatusOr<DrawResult> drawn = Draw(seed, entrants, units);
  if (!drawn.ok()) return drawn.status();
  if (drawn->winners != winners) {
    return absl::FailedPreconditionError("the recorded winners are not what the seed draws");
  }
  return absl::OkStatus();
}

std::string ToHex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

absl::StatusOr<std::string> FromHex(absl::string_view hex) {
  if (hex.size() % 2 != 0) return absl::InvalidArgumentError("odd-length hex");
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return absl::InvalidArgumentError("not hex");
    }
  }
  return absl::HexStringToBytes(hex);
}

}  // namespace shopcast::product_inventory::lottery_rules
