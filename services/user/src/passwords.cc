#include "passwords.h"

#include <sodium.h>

#include <stdexcept>

namespace shopcast::user {

PasswordHasher::PasswordHasher(HashCost cost) : cost_(cost) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  auto dummy = Hash("shopcast-dummy-password-for-timing");
  if (!dummy.ok()) throw std::runtime_error("cannot compute the dummy password hash");
  dummy_hash_ = *std::move(dummy);
}

absl::StatusOr<std::string> PasswordHasher::Hash(absl::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.ops,
                            cost_.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("out of memory hashing a password");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(absl::string_view password, absl::string_view hash) const {
  std::string h(hash);  // libsodium needs a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::VerifyDummy(absl::string_view password) const {
  (void)Verify(password, dummy_hash_);
}

bool PasswordHasher::NeedsRehash(absl::string_view hash) const {
  std::string h(hash);
  return crypto_pwhash_str_needs_rehash(h.c_str(), cost_.ops, cost_.memory_bytes) != 0;
}

}  // namespace shopcast::user
