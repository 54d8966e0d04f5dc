#include "engagement/presence_store.h"

#include <map>
#include <pqxx/result>
#include <pqxx/transaction>

#include "engagement/room_check.h"
#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::engagement {
namespace {

constexpr int kBroadcaster = 1;
constexpr int kViewer = 2;

// Moves the room's viewer count by `delta` and records it in the minute's series.
ViewerChange AddViewers(pqxx::work& tx, const std::string& stream, int64_t delta, absl::Time now) {
  pqxx::result r = tx.exec_prepared("rpe_add_viewers", stream, delta);
  ViewerChange out{stream, r[0][1].as<int64_t>(), r[0][2].as<int64_t>()};
  tx.exec_prepared0("rpe_minute_viewers", stream, MinuteOf(now), r[0][0].as<int64_t>(),
                    out.viewers);
  return out;
}

ViewerChange Unchanged(pqxx::work& tx, const std::string& stream) {
  pqxx::result r = tx.exec_prepared("rpe_read_counters", stream);
  return ViewerChange{stream, r.empty() ? 0 : r[0][3].as<int64_t>(), 0};
}

}  // namespace

absl::StatusOr<ViewerChange> PresenceStore::Join(absl::string_view stream_id,
                                                 const Participant& who, absl::Time now,
                                                 absl::Duration lease) {
  const std::string stream(stream_id);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ViewerChange> {
    ASSIGN_OR_RETURN(RoomState room, ReadOpenRoom(tx, stream));
    tx.exec_prepared0("rpe_ensure_counters", stream);
    const int role = !who.anonymous() && who.user_id == room.host_id ? kBroadcaster : kViewer;
    const std::string at = PgTime(now);
    const std::string until = PgTime(now + lease);
    if (!tx.exec_prepared("rpe_insert_presence", stream, who.user_id, who.session_id, role, at,
                          until)
             .empty()) {
      return role == kViewer ? AddViewers(tx, stream, 1, now) : Unchanged(tx, stream);
    }
    // The session joined before: active (a repeated join), or away after a leave or a sweep.
    pqxx::result row =
        tx.exec_prepared("rpe_lock_presence", stream, who.user_id, who.session_id, at);
    const bool was_active = row[0][0].as<bool>();
    const int stored_role = row[0][1].as<int>();
    tx.exec_prepared0("rpe_rejoin_presence", stream, who.user_id, who.session_id, at, until);
    if (!was_active && stored_role == kViewer) return AddViewers(tx, stream, 1, now);
    return Unchanged(tx, stream);
  });
}

absl::StatusOr<int64_t> PresenceStore::Heartbeat(absl::string_view stream_id,
                                                 const Participant& who, absl::Time now,
                                                 absl::Duration lease) {
  const std::string stream(stream_id);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    if (tx.exec_prepared("rpe_heartbeat", stream, who.user_id, who.session_id, PgTime(now),
                         PgTime(now + lease))
            .empty()) {
      RETURN_IF_ERROR(ReadOpenRoom(tx, stream).status());
      return NotFound("SESSION_NOT_FOUND",
                      "the session is not in the room (its lease lapsed); join again");
    }
    return Unchanged(tx, stream).viewers;
  });
}

absl::StatusOr<ViewerChange> PresenceStore::Leave(absl::string_view stream_id,
                                                  const Participant& who, absl::Time now) {
  const std::string stream(stream_id);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ViewerChange> {
    RETURN_IF_ERROR(ReadRoom(tx, stream).status());
    const std::string at = PgTime(now);
    pqxx::result row =
        tx.exec_prepared("rpe_lock_presence", stream, who.user_id, who.session_id, at);
    if (row.empty() || !row[0][0].as<bool>()) return Unchanged(tx, stream);
    tx.exec_prepared0("rpe_leave_presence", stream, who.user_id, who.session_id, at);
    if (row[0][1].as<int>() != kViewer) return Unchanged(tx, stream);
    return AddViewers(tx, stream, -1, now);
  });
}

absl::StatusOr<Swept> PresenceStore::SweepExpired(absl::Time now, int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Swept> {
    Swept out;
    // Counter rows are taken in stream order, so two sweeping replicas never deadlock.
    std::map<std::string, int64_t> gone;
    for (const auto& row : tx.exec_prepared("rpe_sweep_expired", PgTime(now), limit)) {
      ++out.sessions;
      int64_t& n = gone[row[0].as<std::string>()];
      if (row[1].as<int>() == kViewer) ++n;
    }
    for (const auto& [stream, n] : gone) {
      if (n > 0) out.changes.push_back(AddViewers(tx, stream, -n, now));
    }
    return out;
  });
}

}  // namespace shopcast::realtime_push::engagement
