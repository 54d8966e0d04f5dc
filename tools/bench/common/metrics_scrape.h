#pragma once

// What a service's Prometheus endpoint says, before and after a load: the mean of a histogram
// over the load is (sum after − sum before) / (count after − count before).

#include <map>
#include <string>
#include <vector>

namespace shopcast::bench {

using Labels = std::map<std::string, std::string>;

// One scrape of http://127.0.0.1:<port>/metrics (the text format).
class MetricsScrape {
 public:
  // Throws std::runtime_error when the endpoint does not answer 200.
  static MetricsScrape Take(int port);
  static MetricsScrape Parse(const std::string& text);

  // Sum of the samples named `name` whose labels include every pair of `match`.
  double Sum(const std::string& name, const Labels& match = {}) const;
  // The label sets of the samples named `name`.
  std::vector<Labels> SeriesOf(const std::string& name) const;

 private:
  struct Sample {
    std::string name;
    Labels labels;
    double value = 0;
  };
  std::vector<Sample> samples_;
};

// A histogram's observations between two scrapes.
struct HistogramDelta {
  double count = 0, sum_seconds = 0;
  double mean_ms() const { return count > 0 ? sum_seconds / count * 1000 : 0; }
};

// Of histogram `name` (its _count and _sum series) over the series matching `match`.
HistogramDelta Delta(const MetricsScrape& before, const MetricsScrape& after,
                     const std::string& name, const Labels& match = {});

}  // namespace shopcast::bench
