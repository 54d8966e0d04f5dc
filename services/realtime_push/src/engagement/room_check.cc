#include "engagement/room_check.h"

#include "rooms/pg_time.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::engagement {

absl::StatusOr<RoomState> ReadRoom(pqxx::work& tx, absl::string_view stream_id) {
  pqxx::result r = tx.exec_prepared("rpe_room_state", std::string(stream_id));
  if (r.empty()) {
    return NotFound("ROOM_NOT_FOUND", "no such room (a room opens when its stream is created)");
  }
  return RoomState{r[0][0].as<std::string>(), r[0][1].as<bool>()};
}

absl::StatusOr<RoomState> ReadOpenRoom(pqxx::work& tx, absl::string_view stream_id) {
  ASSIGN_OR_RETURN(RoomState room, ReadRoom(tx, stream_id));
  if (room.closed) {
    return Error(absl::StatusCode::kFailedPrecondition, "ROOM_CLOSED", "the room is closed");
  }
  return room;
}

std::string MinuteOf(absl::Time t) {
  return PgTime(absl::UnixEpoch() + absl::Floor(t - absl::UnixEpoch(), absl::Minutes(1)));
}

}  // namespace shopcast::realtime_push::engagement
