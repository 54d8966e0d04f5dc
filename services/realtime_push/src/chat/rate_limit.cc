#include "chat/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace shopcast::realtime_push::chat {

TakeResult TakeToken(const RateLimit& limit, std::optional<Bucket> bucket, absl::Time now) {
  const double burst = static_cast<double>(std::max(1, limit.burst));
  Bucket b = bucket.value_or(Bucket{burst, now});
  if (now > b.updated_at) {
    const double earned = absl::FDivDuration(now - b.updated_at, limit.per_token);
    b.tokens = std::min(burst, b.tokens + earned);
    b.updated_at = now;
  }
  TakeResult out;
  if (b.tokens >= 1.0) {
    out.allowed = true;
    b.tokens -= 1.0;
    out.after = b;
    return out;
  }
  const double missing = 1.0 - b.tokens;
  const int64_t ms =
      static_cast<int64_t>(std::ceil(missing * absl::ToDoubleMilliseconds(limit.per_token)));
  out.retry_after = absl::Milliseconds(std::max<int64_t>(1, ms));
  out.after = b;
  return out;
}

}  // namespace shopcast::realtime_push::chat
