#include "common/metrics_scrape.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "shopcast/testing/net.h"

namespace shopcast::bench {
namespace {

// `k="v",k2="v2"` (what is between the braces) into labels; values unescaped (\\, \", \n).
Labels ParseLabels(const std::string& s) {
  Labels out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t eq = s.find('=', i);
    if (eq == std::string::npos || eq + 1 >= s.size() || s[eq + 1] != '"') break;
    std::string key = s.substr(i, eq - i);
    std::string value;
    size_t j = eq + 2;
    for (; j < s.size() && s[j] != '"'; ++j) {
      if (s[j] == '\\' && j + 1 < s.size()) {
        ++j;
        value += s[j] == 'n' ? '\n' : s[j];
      } else {
        value += s[j];
      }
    }
    out.emplace(std::move(key), std::move(value));
    i = j + 1;
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

bool Includes(const Labels& labels, const Labels& match) {
  for (const auto& [k, v] : match) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

MetricsScrape MetricsScrape::Take(int port) {
  const testing::HttpResponse r = testing::HttpGet(port, "/metrics");
  if (r.status != 200) {
    throw std::runtime_error(absl::StrCat("GET :", port, "/metrics answered ", r.status));
  }
  return Parse(r.body);
}

MetricsScrape MetricsScrape::Parse(const std::string& text) {
  MetricsScrape out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    const size_t brace = line.find('{');
    const size_t space = line.find(' ');
    size_t rest;
    if (brace != std::string::npos && brace < space) {
      const size_t close = line.rfind('}');
      if (close == std::string::npos) continue;
      s.name = line.substr(0, brace);
      s.labels = ParseLabels(line.substr(brace + 1, close - brace - 1));
      rest = close + 1;
    } else {
      if (space == std::string::npos) continue;
      s.name = line.substr(0, space);
      rest = space;
    }
    // The value, then an optional timestamp.
    s.value = std::strtod(line.c_str() + rest, nullptr);
    out.samples_.push_back(std::move(s));
  }
  return out;
}

double MetricsScrape::Sum(const std::string& name, const Labels& match) const {
  double sum = 0;
  for (const Sample& s : samples_) {
    if (s.name == name && Includes(s.labels, match)) sum += s.value;
  }
  return sum;
}

std::vector<Labels> MetricsScrape::SeriesOf(const std::string& name) const {
  std::vector<Labels> out;
  for (const Sample& s : samples_) {
    if (s.name == name) out.push_back(s.labels);
  }
  return out;
}

HistogramDelta Delta(const MetricsScrape& before, const MetricsScrape& after,
                     const std::string& name, const Labels& match) {
  return HistogramDelta{after.Sum(name + "_count", match) - before.Sum(name + "_count", match),
                        after.Sum(name + "_sum", match) - before.Sum(name + "_sum", match)};
}

}  // namespace shopcast::bench
