#pragma once

// Values crossing to and from PostgreSQL: times as text and Unix microseconds, arrays as
// literals, NULL-able parameters.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace shopcast::product_inventory::stock::pg {

// A timestamptz literal in UTC, to the microsecond (the column's precision).
inline std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
}

// Times are stored to the microsecond; rounding down here makes a value read back compare
// equal to the one written.
inline absl::Time Truncate(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

// A text[] literal of `field(item)` for each item; every element quoted, so commas, braces and
// spaces are safe.
template <typename Items, typename Field>
std::string TextArrayOf(const Items& items, Field field) {
  std::string out = "{";
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    out += '"';
    for (const char c : field(item)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// A text[] literal; every element quoted, so commas, braces and spaces are safe.
inline std::string TextArray(const std::vector<std::string>& v) {
  return TextArrayOf(v, [](const std::string& s) -> const std::string& { return s; });
}

template <typename Int>
std::string IntArray(const std::vector<Int>& v) {
  return absl::StrCat("{", absl::StrJoin(v, ","), "}");
}

// libpqxx 6 sends a null `const char*` as SQL NULL.
inline const char* OrNull(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

}  // namespace shopcast::product_inventory::stock::pg
