#include "common/latency.h"

#include <algorithm>
#include <numeric>

namespace shopcast::bench {

LatencySummary Summarize(std::vector<int64_t> nanos) {
  LatencySummary s;
  if (nanos.empty()) return s;
  std::sort(nanos.begin(), nanos.end());
  auto ms_at = [&](double p) {
    return static_cast<double>(
               nanos[static_cast<size_t>(p * static_cast<double>(nanos.size() - 1))]) /
           1e6;
  };
  s.count = static_cast<int64_t>(nanos.size());
  s.mean_ms = static_cast<double>(std::accumulate(nanos.begin(), nanos.end(), int64_t{0})) /
              static_cast<double>(nanos.size()) / 1e6;
  s.p50_ms = ms_at(0.50);
  s.p99_ms = ms_at(0.99);
  s.max_ms = static_cast<double>(nanos.back()) / 1e6;
  return s;
}

}  // namespace shopcast::bench
