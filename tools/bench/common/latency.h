#pragma once

// Latency percentiles of a load run, shared by the benchmarks (flash_sale, checkout).

#include <cstdint>
#include <vector>

namespace shopcast::bench {

struct LatencySummary {
  int64_t count = 0;
  double mean_ms = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// Summarizes per-request latencies in nanoseconds (sorts them); zeros when there are none.
LatencySummary Summarize(std::vector<int64_t> nanos);

}  // namespace shopcast::bench
