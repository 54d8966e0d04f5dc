#pragma once

// absl time <-> google.protobuf Timestamp/Duration, exact to the microsecond (what we store).

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::streams {

inline void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {  // nanos must be non-negative
    rest += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

inline void ToProto(absl::Duration d, google::protobuf::Duration* out) {
  int64_t micros = absl::ToInt64Microseconds(d);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
}

inline absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// A Timestamp from a client, as google/protobuf/timestamp.proto defines it: nanos in
// 0..999,999,999 and seconds within years 1 to 9999. Anything else is refused rather than
// normalised (nanos of -1 would silently mean a second earlier). TIMESTAMP_INVALID on `field`.
inline absl::StatusOr<absl::Time> FromClientProto(const google::protobuf::Timestamp& t,
                                                  absl::string_view field) {
  constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  if (t.nanos() < 0 || t.nanos() > 999999999 || t.seconds() < kMinSeconds ||
      t.seconds() > kMaxSeconds) {
    return InvalidArgument(field, "TIMESTAMP_INVALID",
                           "timestamp must have nanos in 0..999999999 and a year in 1..9999");
  }
  return FromProto(t);
}

}  // namespace shopcast::video_ingest::streams
