#pragma once

// absl::Time <-> PostgreSQL timestamptz, exactly to the microsecond (the column's precision).

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace shopcast::product_inventory {

// A timestamptz literal in UTC.
inline std::string PgTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
}

// For columns selected as (extract(epoch FROM x) * 1000000)::bigint.
inline absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

inline void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t s = absl::ToUnixSeconds(t);
  out->set_seconds(s);
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(s)) / absl::Nanoseconds(1)));
}

// Stored times are truncated to the column's microseconds before use, so what a caller gets
// back from a write equals what a later read gives.
inline absl::Time TruncateToMicros(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

inline absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

}  // namespace shopcast::product_inventory
