#pragma once

// Publish-to-receipt latencies, recorded from gRPC's callback threads without a lock: fixed
// 50 µs buckets up to 5 s (a step whose p99 is anywhere near that has long failed the 100 ms
// bar), and one bucket for everything slower.

#include <array>
#include <atomic>
#include <cstdint>

namespace shopcast::bench::fanout {

class LatencyHistogram {
 public:
  static constexpr int64_t kBucketNs = 50'000;
  static constexpr int kBuckets = 100'000;  // 5 s

  void Record(int64_t latency_ns) {
    int64_t b = latency_ns < 0 ? 0 : latency_ns / kBucketNs;
    if (b > kBuckets) b = kBuckets;
    buckets_[static_cast<size_t>(b)].fetch_add(1, std::memory_order_relaxed);
  }

  // Only while nothing records.
  void Reset() {
    for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
  }

  uint64_t Count() const {
    uint64_t n = 0;
    for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
    return n;
  }

  // The upper edge of the bucket holding quantile q (0..1), in ms; 0 with no samples.
  double QuantileMs(double q) const {
    const uint64_t total = Count();
    if (total == 0) return 0;
    const auto rank = static_cast<uint64_t>(q * static_cast<double>(total - 1)) + 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i].load(std::memory_order_relaxed);
      if (seen >= rank) return static_cast<double>((i + 1) * kBucketNs) / 1e6;
    }
    return static_cast<double>(kBuckets * kBucketNs) / 1e6;
  }

 private:
  std::array<std::atomic<uint64_t>, kBuckets + 1> buckets_{};
};

}  // namespace shopcast::bench::fanout
