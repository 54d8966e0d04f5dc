#pragma once

// Times in recording-lifecycle's SQL: microseconds since the epoch (bigint) on the C++ side,
// timestamptz in the tables, converted exactly (no floating point) in the statements.

#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

// SQL: bigint microseconds parameter `p` (e.g. "$3") as a timestamptz.
#define SHOPCAST_RL_TS(p) "(timestamptz 'epoch' + (" p ")::bigint * interval '1 microsecond')"
// SQL: timestamptz column `c` as bigint microseconds (NULL stays NULL).
#define SHOPCAST_RL_US(c) "(extract(epoch FROM " c ") * 1000000)::bigint"

namespace shopcast::recording_lifecycle {

inline void TimestampOfMicros(int64_t us, google::protobuf::Timestamp* out) {
  int64_t s = us / 1'000'000;
  int64_t rem = us % 1'000'000;
  if (rem < 0) {
    rem += 1'000'000;
    --s;
  }
  out->set_seconds(s);
  out->set_nanos(static_cast<int32_t>(rem * 1000));
}

inline void DurationOfMicros(int64_t us, google::protobuf::Duration* out) {
  out->set_seconds(us / 1'000'000);
  out->set_nanos(static_cast<int32_t>((us % 1'000'000) * 1000));
}

inline int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

}  // namespace shopcast::recording_lifecycle
