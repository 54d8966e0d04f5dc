#include "passwords.h"

#include <sodium.h>

#include <stdexcept>

#include "shopcast/status/status.h"

namespace shopcast::user {

PasswordHasher::PasswordHasher(HashCost cost, ConcurrencyLimit* limit)
    : cost_(cost), limit_(nullptr) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  auto dummy = Hash("shopcast-dummy-password-for-timing");
  if (!dummy.ok()) throw std::runtime_error("cannot compute the dummy password hash");
  dummy_hash_ = *std::move(dummy);
  limit_ = limit;  // after the dummy hash: start-up never waits for a slot
}

absl::StatusOr<std::optional<ConcurrencyLimit::Slot>> PasswordHasher::Reserve() const {
  if (limit_ == nullptr) return std::optional<ConcurrencyLimit::Slot>();
  std::optional<ConcurrencyLimit::Slot> slot = limit_->Acquire();
  if (!slot) {
    return Error(absl::StatusCode::kResourceExhausted, "PASSWORD_HASHING_BUSY",
                 "too many password checks at once; retry shortly");
  }
  return slot;
}

absl::StatusOr<std::string> PasswordHasher::Hash(absl::string_view password) const {
  ASSIGN_OR_RETURN(std::optional<ConcurrencyLimit::Slot> slot, Reserve());
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.ops, cost_.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("out of memory hashing a password");
  }
  return std::string(out);
}

absl::StatusOr<bool> PasswordHasher::Verify(absl::string_view password,
                                            absl::string_view hash) const {
  ASSIGN_OR_RETURN(std::optional<ConcurrencyLimit::Slot> slot, Reserve());
  std::string h(hash);  // libsodium needs a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

absl::Status PasswordHasher::VerifyDummy(absl::string_view password) const {
  return Verify(password, dummy_hash_).status();
}

bool PasswordHasher::NeedsRehash(absl::string_view hash) const {
  std::string h(hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), cost_.ops, cost_.memory_bytes) != 0;
}

}  // namespace shopcast::user
