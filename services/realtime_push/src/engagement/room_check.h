#pragma once

// The room checks every engagement write starts with, inside the caller's transaction.

#include <pqxx/transaction>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::realtime_push::engagement {

struct RoomState {
  std::string host_id;
  bool closed = false;
};

// NOT_FOUND ROOM_NOT_FOUND for a room that never opened.
absl::StatusOr<RoomState> ReadRoom(pqxx::work& tx, absl::string_view stream_id);
// As ReadRoom, and FAILED_PRECONDITION ROOM_CLOSED once the room closed.
absl::StatusOr<RoomState> ReadOpenRoom(pqxx::work& tx, absl::string_view stream_id);

// The UTC minute `t` falls in, as a timestamptz literal (the per-minute series' key).
std::string MinuteOf(absl::Time t);

}  // namespace shopcast::realtime_push::engagement
