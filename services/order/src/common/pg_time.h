#pragma once

// absl::Time <-> PostgreSQL timestamptz, to the microsecond (the column's precision).

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace shopcast::order {

// A timestamptz literal in UTC.
inline std::string PgTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
}

// SQL selecting column `col` as microseconds since the epoch (NULL stays NULL).
inline std::string MicrosOf(const std::string& col) {
  return "(extract(epoch FROM " + col + ") * 1000000)::bigint";
}

inline void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t s = absl::ToUnixSeconds(t);
  out->set_seconds(s);
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(s)) / absl::Nanoseconds(1)));
}

inline absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Stored times are truncated to microseconds first, so what a write returns equals a later read.
inline absl::Time TruncateToMicros(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

}  // namespace shopcast::order
