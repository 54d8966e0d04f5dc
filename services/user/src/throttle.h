#pragma once

// Login throttling: after a few free failures, each further failure blocks the key (an
// account or a client address) for a delay that doubles, up to a cap. Pure policy; the
// counters live in the database so every replica sees them.

#include "absl/time/time.h"

namespace shopcast::user {

struct ThrottlePolicy {
  int free_failures = 5;                      // failures before any delay
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Minutes(15);
  absl::Duration forget_after = absl::Hours(1);  // a key quiet this long starts afresh
};

// Account keys get few free failures; an address (many users behind one NAT) gets more.
inline ThrottlePolicy AccountPolicy() { return ThrottlePolicy{}; }
inline ThrottlePolicy AddressPolicy() {
  ThrottlePolicy p;
  p.free_failures = 20;
  return p;
}

// How long a key is blocked after its `failures`-th consecutive failure.
absl::Duration BlockAfter(int failures, const ThrottlePolicy& policy);

}  // namespace shopcast::user
