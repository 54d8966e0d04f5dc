#pragma once

// The per-minute series of a room's life, built from the minutes that saw a change (viewers,
// reactions) and the chat messages' times. Pure: unit-tested without a database.

#include <cstdint>
#include <vector>

#include "absl/time/time.h"

namespace shopcast::realtime_push::engagement {

// A stored minute: most viewers during it, viewers after its last change, reactions set.
struct MinuteRow {
  absl::Time minute;
  int64_t viewers_max = 0;
  int64_t viewers_last = 0;
  int64_t likes = 0;
  int64_t dislikes = 0;
};

struct MinutePoint {
  absl::Time minute;
  int64_t viewers = 0;
  int64_t likes = 0;
  int64_t dislikes = 0;
  int64_t chat_messages = 0;
};

// The most minutes a series holds (a day); longer rooms show their last day.
inline constexpr int kMaxSeriesMinutes = 1440;

// The UTC minute `t` falls in.
absl::Time FloorMinute(absl::Time t);

// The first minute of the series of a room open from `opened` to `end` (closed, or now).
absl::Time SeriesStart(absl::Time opened, absl::Time end);

// One point per minute from FloorMinute(from) to FloorMinute(to) inclusive. `rows` are sorted
// by minute and within the range; a minute without a row carries the viewers of the last row
// before it (`viewers_before` at the start). Chat times outside the range are ignored.
std::vector<MinutePoint> BuildSeries(absl::Time from, absl::Time to, int64_t viewers_before,
                                     const std::vector<MinuteRow>& rows,
                                     const std::vector<absl::Time>& chat_times);

}  // namespace shopcast::realtime_push::engagement
