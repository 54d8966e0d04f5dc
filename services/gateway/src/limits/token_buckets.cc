#include "limits/token_buckets.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"

namespace shopcast::gateway {
namespace {

constexpr absl::string_view kNames[kRateActionCount] = {
    "login", "register", "refresh",  "chat",           "reaction",
    "bid",   "reserve",  "checkout", "password_reset", "other_write"};

// Independent locks so concurrent callers rarely contend.
constexpr size_t kShards = 16;

struct Bucket {
  double tokens = 0;
  absl::Time updated;
};

class TokenBuckets final : public RateLimits {
 public:
  TokenBuckets(RateLimitOptions options, prometheus::Registry* metrics)
      : options_(std::move(options)),
        per_shard_cap_(std::max<size_t>(1, options_.max_buckets / kShards)) {
    if (metrics != nullptr) {
      auto& refused = prometheus::BuildCounter()
                          .Name("shopcast_gateway_rate_limited_total")
                          .Help("Requests refused by the gateway's rate limits, by action")
                          .Register(*metrics);
      for (size_t i = 0; i < kRateActionCount; ++i) {
        refused_[i] = &refused.Add({{"action", std::string(kNames[i])}});
      }
      buckets_gauge_ = &prometheus::BuildGauge()
                            .Name("shopcast_gateway_rate_limit_buckets")
                            .Help("Token buckets held in memory")
                            .Register(*metrics)
                            .Add({});
    }
  }

  absl::Duration Take(RateAction action, absl::string_view caller, absl::Time now) override {
    const auto index = static_cast<size_t>(action);
    if (index >= kRateActionCount) return absl::ZeroDuration();
    const BucketSpec& spec = options_.buckets[index];
    if (spec.per_second <= 0 || spec.burst < 1) return absl::ZeroDuration();  // unlimited
    std::string key = absl::StrCat(index, "|", caller);
    Shard& shard = shards_[absl::Hash<std::string>{}(key) % kShards];
    absl::Duration wait;
    {
      absl::MutexLock lock(&shard.mu);
      auto it = shard.buckets.find(key);
      if (it == shard.buckets.end()) {
        if (shard.buckets.size() >= per_shard_cap_) Evict(shard, now);
        it = shard.buckets.emplace(std::move(key), Bucket{spec.burst, now}).first;
        if (buckets_gauge_ != nullptr) buckets_gauge_->Increment();
      }
      Bucket& b = it->second;
      const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - b.updated));
      b.tokens = std::min(spec.burst, b.tokens + elapsed * spec.per_second);
      b.updated = std::max(b.updated, now);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return absl::ZeroDuration();
      }
      wait = absl::Seconds((1 - b.tokens) / spec.per_second);
    }
    if (refused_[index] != nullptr) refused_[index]->Increment();
    return std::max(wait, absl::Milliseconds(1));
  }

 private:
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
  };

  // Makes room in a full shard: buckets that are full again carry no state worth keeping; if
  // none is, the longest idle quarter goes (a flood of new callers cannot grow memory, and a
  // caller dropped this way only gets a fresh burst).
  void Evict(Shard& shard, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    const size_t before = shard.buckets.size();
    for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
      const BucketSpec& spec = options_.buckets[KeyAction(it->first)];
      const double refilled =
          it->second.tokens +
          std::max(0.0, absl::ToDoubleSeconds(now - it->second.updated)) * spec.per_second;
      if (refilled >= spec.burst) {
        shard.buckets.erase(it++);
      } else {
        ++it;
      }
    }
    if (shard.buckets.size() >= per_shard_cap_) {
      std::vector<absl::Time> times;
      times.reserve(shard.buckets.size());
      for (const auto& [key, b] : shard.buckets) times.push_back(b.updated);
      const size_t drop = std::max<size_t>(1, times.size() / 4);
      std::nth_element(times.begin(), times.begin() + (drop - 1), times.end());
      const absl::Time cutoff = times[drop - 1];
      size_t dropped = 0;
      for (auto it = shard.buckets.begin(); it != shard.buckets.end() && dropped < drop;) {
        if (it->second.updated <= cutoff) {
          shard.buckets.erase(it++);
          ++dropped;
        } else {
          ++it;
        }
      }
    }
    if (buckets_gauge_ != nullptr) {
      buckets_gauge_->Decrement(static_cast<double>(before - shard.buckets.size()));
    }
  }

  static size_t KeyAction(absl::string_view key) {
    size_t action = 0;
    (void)absl::SimpleAtoi(key.substr(0, key.find('|')), &action);
    return std::min(action, kRateActionCount - 1);
  }

  const RateLimitOptions options_;
  const size_t per_shard_cap_;
  std::array<Shard, kShards> shards_;
  std::array<prometheus::Counter*, kRateActionCount> refused_{};
  prometheus::Gauge* buckets_gauge_ = nullptr;
};

}  // namespace

RateLimitOptions DefaultRateLimitOptions() {
  RateLimitOptions o;
  auto set = [&](RateAction a, double burst, double per_second) {
    o.buckets[static_cast<size_t>(a)] = BucketSpec{burst, per_second};
  };
  set(RateAction::kLogin, 10, 1.0 / 6);
  set(RateAction::kRegister, 5, 1.0 / 60);
  set(RateAction::kRefresh, 60, 1);
  set(RateAction::kChat, 10, 1);
  set(RateAction::kReaction, 20, 4);
  set(RateAction::kBid, 10, 2);
  set(RateAction::kReserve, 10, 1);
  set(RateAction::kCheckout, 5, 0.5);
  set(RateAction::kPasswordReset, 5, 1.0 / 60);
  set(RateAction::kOtherWrite, 60, 10);
  return o;
}

absl::string_view RateActionName(RateAction action) {
  const auto i = static_cast<size_t>(action);
  return i < kRateActionCount ? kNames[i] : "unknown";
}

absl::StatusOr<RateLimitOptions> ParseRateLimits(absl::string_view spec, RateLimitOptions base) {
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(entry, '=');
    std::pair<absl::string_view, absl::string_view> rate = absl::StrSplit(kv.second, '/');
    const auto* name = std::find(std::begin(kNames), std::end(kNames), kv.first);
    double burst = 0;
    double per_second = 0;
    if (name == std::end(kNames) || !absl::SimpleAtod(rate.first, &burst) ||
        !absl::SimpleAtod(rate.second, &per_second) || !std::isfinite(burst) ||
        !std::isfinite(per_second) || burst < 1 || per_second <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rate limit entry '", entry,
          "': want <action>=<burst>/<per second>, burst >= 1, "
          "rate > 0, action one of login, register, refresh, chat, reaction, bid, reserve, "
          "checkout, password_reset, other_write"));
    }
    base.buckets[static_cast<size_t>(name - std::begin(kNames))] = BucketSpec{burst, per_second};
  }
  return base;
}

std::shared_ptr<RateLimits> MakeRateLimits(RateLimitOptions options,
                                           prometheus::Registry* metrics) {
  return std::make_shared<TokenBuckets>(std::move(options), metrics);
}

}  // namespace shopcast::gateway
