#pragma once

// Latency percentiles of a load run, shared by the library-level and the gRPC benchmarks.

#include <cstdint>
#include <vector>

namespace shopcast::bench::flash_sale {

struct LatencySummary {
  int64_t count = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// Summarizes per-request latencies in nanoseconds (sorts them); zeros when there are none.
LatencySummary Summarize(std::vector<int64_t> nanos);

}  // namespace shopcast::bench::flash_sale
