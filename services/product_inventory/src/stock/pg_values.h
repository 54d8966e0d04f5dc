#pragma once

// Values crossing to and from PostgreSQL: times as text and Unix microseconds, NULL-able
// parameters (arrays: shopcast/db/pg_array.h).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace shopcast::product_inventory::stock::pg {

// A timestamptz literal in UTC, to the microsecond (the column's precision).
inline std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
}

// Times are stored to the microsecond; rounding down here makes a value read back compare
// equal to the one written.
inline absl::Time Truncate(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

// libpqxx 6 sends a null `const char*` as SQL NULL.
inline const char* OrNull(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

}  // namespace shopcast::product_inventory::stock::pg
