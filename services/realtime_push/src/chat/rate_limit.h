#pragma once

// The chat flood limit as a token bucket: `burst` messages at once, then one more per
// `per_token`. Pure arithmetic on a stored bucket; chat_store keeps the bucket in PostgreSQL
// and applies this under the row's lock, so all replicas share one bucket per user.

#include <optional>

#include "absl/time/time.h"

namespace shopcast::realtime_push::chat {

struct RateLimit {
  int burst = 5;
  absl::Duration per_token = absl::Seconds(1);
};

struct Bucket {
  double tokens = 0;
  absl::Time updated_at;
};

struct TakeResult {
  bool allowed = false;
  // The bucket to store (when allowed).
  Bucket after;
  // When refused: how long until a token is there (at least 1 ms).
  absl::Duration retry_after;
};

// Refills `bucket` (a full one when absent) up to `now` and takes one token if there is one.
// A clock that went back (another replica's, slightly behind) refills nothing and never moves
// updated_at backwards.
TakeResult TakeToken(const RateLimit& limit, std::optional<Bucket> bucket, absl::Time now);

}  // namespace shopcast::realtime_push::chat
