#pragma once

// RateLimits as token buckets in memory: one bucket per (action, caller), bounded in number.
// Each gateway replica limits on its own; with N replicas behind a load balancer a caller gets
// up to N times the rate, which is acceptable for edge protection (the services keep their own
// hard limits: login throttling, purchase limits).

#include <array>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "limits/rate_limits.h"
#include "prometheus/registry.h"

namespace shopcast::gateway {

// One action's bucket: `burst` tokens at most, refilled at `per_second`.
struct BucketSpec {
  double burst = 10;
  double per_second = 1;
};

inline constexpr size_t kRateActionCount = static_cast<size_t>(RateAction::kOtherWrite) + 1;

struct RateLimitOptions {
  // Indexed by RateAction. Defaults: see DefaultRateLimitOptions().
  std::array<BucketSpec, kRateActionCount> buckets;
  // Buckets kept at most, all actions together. Past it, buckets that have refilled completely
  // (indistinguishable from new ones) are dropped first, then the longest idle ones.
  size_t max_buckets = 200000;
};

// Login 10 burst / 1 per 6 s; Register 5 / 1 per min; Refresh 60 / 1 per s; Chat 10 / 1 per s;
// Reaction 20 / 4 per s;
// Bid 10 / 2 per s; Reserve 10 / 1 per s; Checkout 5 / 1 per 2 s; other writes 60 / 10 per s.
RateLimitOptions DefaultRateLimitOptions();

// "login", "register", "refresh", "chat", "reaction", "bid", "reserve", "checkout",
// "other_write".
absl::string_view RateActionName(RateAction action);

// Parses "action=burst/per_second,…" (e.g. "login=5/0.2,chat=20/2") over `base`: the flag
// format. InvalidArgument naming the bad entry.
absl::StatusOr<RateLimitOptions> ParseRateLimits(absl::string_view spec, RateLimitOptions base);

// `metrics` may be null. Registers shopcast_gateway_rate_limited_total{action} (refusals) and
// shopcast_gateway_rate_limit_buckets (buckets held).
std::shared_ptr<RateLimits> MakeRateLimits(RateLimitOptions options, prometheus::Registry* metrics);

}  // namespace shopcast::gateway
