#pragma once

// Room stats from PostgreSQL: the public counters (viewers, likes, dislikes, open/close times)
// and, for the room's host, peak and unique viewers, watch time, chat counts and the per-minute
// series, and the stream's sales (units and revenue per currency, from the order service's
// events). Everything is read from durable tables, so the figures stay after the room closes.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/db/pool.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::realtime_push::engagement {

class StatsReader {
 public:
  explicit StatsReader(db::Pool& pool) : pool_(pool) {}

  // The room's host id (who may see host-only stats). NOT_FOUND ROOM_NOT_FOUND.
  absl::StatusOr<std::string> HostOf(absl::string_view stream_id);
  // The stats as of `now`; host-only fields only when `host_view`. NOT_FOUND ROOM_NOT_FOUND.
  absl::StatusOr<::shopcast::realtime_push::v1::RoomStats> Read(absl::string_view stream_id,
                                                                bool host_view, absl::Time now);

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::realtime_push::engagement
