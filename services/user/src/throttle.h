#pragma once

// Throttling of logins and registrations: after a few free attempts, each further counted
// attempt blocks the key for a delay that doubles, up to a cap. Pure policy; the counters live
// in the database so every replica sees them. The login policy is described in README.md.

#include "absl/time/time.h"

namespace shopcast::user {

struct ThrottlePolicy {
  int free_failures = 5;  // counted attempts before any delay
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Minutes(15);
  absl::Duration forget_after = absl::Hours(1);  // a key quiet this long starts afresh
};

// Failed logins to one account from one address: the guesser's own lane. Strict.
inline ThrottlePolicy PairPolicy() { return ThrottlePolicy{}; }

// Failed logins to one account from every address together (a guesser spreading over many
// addresses). Gentler: more free failures and a short cap, so the owner on a new address waits
// at most a minute; it is never applied at an address the account has logged in from.
inline ThrottlePolicy AccountPolicy() {
  ThrottlePolicy p;
  p.free_failures = 20;
  p.max_delay = absl::Minutes(1);
  return p;
}

// Failed logins from one address to any account (password spraying). Many users may share an
// address behind a NAT, so it allows more; also not applied at an account's known address.
inline ThrottlePolicy AddressPolicy() {
  ThrottlePolicy p;
  p.free_failures = 20;
  return p;
}

// Registrations from one address, each costing an Argon2 hash.
inline ThrottlePolicy RegistrationPolicy() {
  ThrottlePolicy p;
  p.free_failures = 10;
  p.base_delay = absl::Minutes(1);
  p.max_delay = absl::Hours(1);
  return p;
}

// How long a key is blocked after its `failures`-th counted attempt.
absl::Duration BlockAfter(int failures, const ThrottlePolicy& policy);

}  // namespace shopcast::user
