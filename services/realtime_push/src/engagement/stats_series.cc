#include "engagement/stats_series.h"

#include <algorithm>

namespace shopcast::realtime_push::engagement {

absl::Time FloorMinute(absl::Time t) {
  return absl::UnixEpoch() + absl::Floor(t - absl::UnixEpoch(), absl::Minutes(1));
}

absl::Time SeriesStart(absl::Time opened, absl::Time end) {
  return std::max(FloorMinute(opened), FloorMinute(end) - absl::Minutes(kMaxSeriesMinutes - 1));
}

std::vector<MinutePoint> BuildSeries(absl::Time from, absl::Time to, int64_t viewers_before,
                                     const std::vector<MinuteRow>& rows,
                                     const std::vector<absl::Time>& chat_times) {
  const absl::Time first = FloorMinute(from);
  const absl::Time last = FloorMinute(to);
  std::vector<MinutePoint> points;
  if (last < first) return points;
  const int64_t n = (last - first) / absl::Minutes(1) + 1;
  points.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) points[i].minute = first + absl::Minutes(i);
  auto index_of = [&](absl::Time t) -> int64_t {
    if (t < first || t >= last + absl::Minutes(1)) return -1;
    return (FloorMinute(t) - first) / absl::Minutes(1);
  };
  for (absl::Time t : chat_times) {
    if (int64_t i = index_of(t); i >= 0) ++points[i].chat_messages;
  }
  int64_t carried = viewers_before;
  size_t row = 0;
  for (MinutePoint& p : points) {
    while (row < rows.size() && rows[row].minute < p.minute) carried = rows[row++].viewers_last;
    if (row < rows.size() && rows[row].minute == p.minute) {
      p.viewers = std::max(rows[row].viewers_max, carried);
      p.likes = rows[row].likes;
      p.dislikes = rows[row].dislikes;
      carried = rows[row].viewers_last;
      ++row;
    } else {
      p.viewers = carried;
    }
  }
  return points;
}

}  // namespace shopcast::realtime_push::engagement
