#pragma once

// Password hashing with Argon2id (libsodium), at OWASP's recommended minimum cost:
// 19 MiB of memory, 2 iterations, 1 lane. With a ConcurrencyLimit, at most its size of hashes
// run at once, which bounds their memory; a call that finds no slot in time is refused.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "concurrency_limit.h"

namespace shopcast::user {

struct HashCost {
  unsigned long long ops = 2;                 // iterations (t)
  size_t memory_bytes = 19u * 1024u * 1024u;  // m
};

class PasswordHasher {
 public:
  // `limit` (optional, outliving the hasher) bounds how many hashes run at once.
  explicit PasswordHasher(HashCost cost = {}, ConcurrencyLimit* limit = nullptr);

  // A self-describing "$argon2id$v=19$m=…,t=…,p=1$…" string with a random salt.
  // RESOURCE_EXHAUSTED/PASSWORD_HASHING_BUSY when every hashing slot stays taken.
  absl::StatusOr<std::string> Hash(absl::string_view password) const;

  // True if `password` matches `hash`. Takes the same time whether or not it matches.
  // RESOURCE_EXHAUSTED/PASSWORD_HASHING_BUSY as Hash().
  absl::StatusOr<bool> Verify(absl::string_view password, absl::string_view hash) const;

  // Spends the time of one Verify() without a real account, so that "no such user" and
  // "wrong password" cannot be told apart by timing. Errors as Verify().
  absl::Status VerifyDummy(absl::string_view password) const;

  // True if `hash` was made with a cost below the current one (rehash on next login).
  bool NeedsRehash(absl::string_view hash) const;

 private:
  absl::StatusOr<std::optional<ConcurrencyLimit::Slot>> Reserve() const;

  HashCost cost_;
  ConcurrencyLimit* limit_;
  std::string dummy_hash_;
};

}  // namespace shopcast::user
