#include "shopcast/http_files/byte_range.h"

#include <limits>
#include <optional>

namespace shopcast::http_files {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Digits only, at least one. Values beyond 2^64-1 saturate: a huge first-pos is then simply
// unsatisfiable and a huge last-pos or suffix means "to the end", as the RFC intends.
std::optional<uint64_t> ParseDigits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
  }
  return value;
}

}  // namespace

RangeDecision EvaluateRange(std::string_view header, uint64_t size) {
  const RangeDecision whole;
  const size_t eq = header.find('=');
  if (eq == std::string_view::npos || !IEquals(TrimOws(header.substr(0, eq)), "bytes")) {
    return whole;
  }

  // The list rule (RFC 9110 §5.6.1) lets recipients see empty elements; skip them.
  std::string_view spec;
  int specs = 0;
  std::string_view rest = header.substr(eq + 1);
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view element = TrimOws(rest.substr(0, comma));
    if (!element.empty()) {
      spec = element;
      ++specs;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  // Several ranges: sending the whole file is allowed and spares us multipart/byteranges.
  if (specs != 1) return whole;

  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);

  RangeDecision partial;
  partial.outcome = RangeOutcome::kPartial;
  RangeDecision unsatisfiable;
  unsatisfiable.outcome = RangeOutcome::kUnsatisfiable;

  if (first_text.empty()) {  // "-n": the last n bytes.
    const std::optional<uint64_t> suffix = ParseDigits(last_text);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) return unsatisfiable;
    partial.first = *suffix >= size ? 0 : size - *suffix;
    partial.last = size - 1;
    return partial;
  }

  const std::optional<uint64_t> first = ParseDigits(first_text);
  if (!first) return whole;
  uint64_t last = kMax;
  if (!last_text.empty()) {
    const std::optional<uint64_t> parsed = ParseDigits(last_text);
    if (!parsed) return whole;
    last = *parsed;
  }
  // "a-b" with b < a is an invalid range-spec: 416, like an unsatisfiable one (§14.1.1).
  if (last < *first || *first >= size) return unsatisfiable;
  partial.first = *first;
  partial.last = last >= size ? size - 1 : last;
  return partial;
}

}  // namespace shopcast::http_files
