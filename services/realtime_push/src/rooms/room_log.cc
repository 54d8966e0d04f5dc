#include "rooms/room_log.h"

#include <exception>
#include <pqxx/binarystring>
#include <pqxx/result>
#include <pqxx/transaction>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rooms/ids.h"
#include "rooms/pg_time.h"
#include "rooms/projection.h"
#include "rooms/room_sql.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::rooms {
namespace {

std::string S(absl::string_view s) { return std::string(s); }

pqxx::binarystring Blob(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

absl::Status RoomNotFound() {
  return NotFound("ROOM_NOT_FOUND", "no such room (a room opens when its stream is created)");
}

// Runs a read-only `fn(pqxx::work&)` mapping exceptions to statuses.
template <typename Fn>
auto Read(db::Pool& pool, Fn&& fn) {
  return db::InTransaction(pool, std::forward<Fn>(fn));
}

}  // namespace

namespace tx {

void OpenRoom(pqxx::work& tx, absl::string_view stream_id, absl::string_view host_id,
              absl::string_view title, absl::Time now) {
  tx.exec_prepared0("rp_open_room", S(stream_id), S(host_id), S(title), PgTime(now));
}

void RetitleRoom(pqxx::work& tx, absl::string_view stream_id, absl::string_view title) {
  tx.exec_prepared0("rp_retitle_room", S(stream_id), S(title));
}

void CloseRoom(pqxx::work& tx, absl::string_view stream_id, absl::Time now) {
  tx.exec_prepared0("rp_close_room", S(stream_id), PgTime(now));
}

absl::StatusOr<Appended> Append(pqxx::work& tx, absl::string_view stream_id,
                                absl::string_view event_id, pb::RoomEvent event,
                                AppendOptions options) {
  if (IsEphemeral(event) || event.payload_case() == pb::RoomEvent::PAYLOAD_NOT_SET) {
    return InvalidArgument("event.payload", "EVENT_NOT_DURABLE",
                           "only durable room events are appended to the log");
  }
  // The room row's lock orders every append to this room, across replicas.
  pqxx::result room = tx.exec_prepared("rp_lock_room", S(stream_id));
  if (room.empty()) return RoomNotFound();
  Appended out;
  out.stream_id = S(stream_id);
  out.kind = static_cast<int>(event.payload_case());
  pqxx::result seen = tx.exec_prepared("rp_select_by_event_id", S(stream_id), S(event_id));
  if (!seen.empty()) {
    out.seq = seen[0][0].as<int64_t>();
    out.duplicate = true;
    return out;
  }
  const bool closed = room[0][1].as<bool>();
  if (closed &&
      !(options.allow_closed || event.payload_case() == pb::RoomEvent::kStreamStatusChanged)) {
    return Error(absl::StatusCode::kFailedPrecondition, "ROOM_CLOSED", "the room is closed");
  }
  out.seq = room[0][0].as<int64_t>() + 1;
  event.set_stream_id(S(stream_id));
  event.set_sequence(out.seq);
  event.set_ephemeral(false);
  event.set_event_id(S(event_id));
  out.bytes = event.SerializeAsString();
  tx.exec_prepared0("rp_insert_event", S(stream_id), out.seq, S(event_id),
                    static_cast<int>(event.payload_case()), Blob(out.bytes));
  tx.exec_prepared0("rp_advance_head", S(stream_id), out.seq);
  ApplyToRoomState(tx, out.stream_id, out.seq, event);
  tx.exec_prepared("rp_notify", absl::StrCat("d ", stream_id, " ", out.seq));
  return out;
}

}  // namespace tx

absl::StatusOr<Appended> RoomLog::Append(absl::string_view stream_id, absl::string_view event_id,
                                         pb::RoomEvent event, AppendOptions options) {
  return db::InTransaction(
      pool_, [&](pqxx::work& t) { return tx::Append(t, stream_id, event_id, event, options); });
}

absl::StatusOr<Room> RoomLog::GetRoom(absl::string_view stream_id) {
  return Read(pool_, [&](pqxx::work& t) -> absl::StatusOr<Room> {
    pqxx::result r = t.exec_prepared("rp_select_room", S(stream_id));
    if (r.empty()) return RoomNotFound();
    Room room;
    room.stream_id = S(stream_id);
    room.host_id = r[0][0].as<std::string>();
    room.title = r[0][1].as<std::string>();
    room.status = r[0][2].as<int>();
    room.head_seq = r[0][3].as<int64_t>();
    room.opened_at = FromMicros(r[0][4].as<int64_t>());
    if (!r[0][5].is_null()) room.closed_at = FromMicros(r[0][5].as<int64_t>());
    return room;
  });
}

absl::StatusOr<std::vector<StoredEvent>> RoomLog::ReadAfter(absl::string_view stream_id,
                                                            int64_t after_seq, int limit) {
  return Read(pool_, [&](pqxx::work& t) -> absl::StatusOr<std::vector<StoredEvent>> {
    pqxx::result r = t.exec_prepared("rp_read_after", S(stream_id), after_seq, limit);
    std::vector<StoredEvent> events;
    events.reserve(r.size());
    for (const auto& row : r) {
      events.push_back(
          StoredEvent{row[0].as<int64_t>(), row[1].as<int>(), pqxx::binarystring(row[2]).str()});
    }
    return events;
  });
}

absl::StatusOr<int64_t> RoomLog::OldestRetained(absl::string_view stream_id) {
  return Read(pool_, [&](pqxx::work& t) -> absl::StatusOr<int64_t> {
    pqxx::result room = t.exec_prepared("rp_select_room", S(stream_id));
    if (room.empty()) return RoomNotFound();
    pqxx::result r = t.exec_prepared("rp_oldest_seq", S(stream_id));
    if (r[0][0].is_null()) return room[0][3].as<int64_t>() + 1;
    return r[0][0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> RoomLog::Heads(
    const std::vector<std::string>& stream_ids) {
  const std::string array = db::TextArray(stream_ids);
  return Read(pool_,
              [&](pqxx::work& t) -> absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> {
                std::vector<std::pair<std::string, int64_t>> heads;
                for (const auto& row : t.exec_prepared("rp_select_heads", array)) {
                  heads.emplace_back(row[0].as<std::string>(), row[1].as<int64_t>());
                }
                return heads;
              });
}

absl::StatusOr<pb::RoomSnapshot> RoomLog::Snapshot(absl::string_view stream_id, absl::Time now) {
  auto read = [&](pqxx::work& t) -> absl::StatusOr<pb::RoomSnapshot> {
    // One snapshot of the database: the state and the sequence agree.
    t.exec0("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    pqxx::result room = t.exec_prepared("rp_snapshot_room", S(stream_id));
    if (room.empty()) return RoomNotFound();
    pb::RoomSnapshot snap;
    snap.set_stream_id(S(stream_id));
    snap.set_sequence(room[0][2].as<int64_t>());
    if (!room[0][1].is_null()) {
      snap.mutable_stream_status()->ParseFromString(pqxx::binarystring(room[0][1]).str());
    } else {
      snap.mutable_stream_status()->set_status(
          static_cast<common::v1::StreamStatus>(room[0][0].as<int>()));
    }
    for (const auto& row : t.exec_prepared("rp_snapshot_pinned", S(stream_id))) {
      snap.add_pinned()->ParseFromString(pqxx::binarystring(row[0]).str());
    }
    for (const auto& row :
         t.exec_prepared("rp_snapshot_products", S(stream_id), limits_.products)) {
      snap.add_products()->ParseFromString(pqxx::binarystring(row[0]).str());
    }
    for (const auto& row : t.exec_prepared("rp_snapshot_auctions", S(stream_id))) {
      snap.add_auctions()->ParseFromString(pqxx::binarystring(row[0]).str());
    }
    // Newest first from the database, oldest first in the snapshot.
    pqxx::result chat = t.exec_prepared("rp_snapshot_chat", S(stream_id), limits_.chat);
    for (auto row = chat.rbegin(); row != chat.rend(); ++row) {
      snap.add_recent_chat()->ParseFromString(pqxx::binarystring((*row)[0]).str());
    }
    pqxx::result sales =
        t.exec_prepared("rp_snapshot_events_of_kind", S(stream_id),
                        static_cast<int>(pb::RoomEvent::kSaleTicker), limits_.sales);
    for (auto row = sales.rbegin(); row != sales.rend(); ++row) {
      pb::RoomEvent e;
      if (e.ParseFromString(pqxx::binarystring((*row)[0]).str())) {
        *snap.add_recent_sales() = e.sale_ticker();
      }
    }
    pqxx::result counts = t.exec_prepared("rp_snapshot_engagement", S(stream_id));
    if (!counts.empty()) {
      snap.set_viewer_count(counts[0][0].as<int64_t>());
      snap.set_total_likes(counts[0][1].as<int64_t>());
      snap.set_total_dislikes(counts[0][2].as<int64_t>());
    }
    ToProto(now, snap.mutable_taken_at());
    return snap;
  };
  return Read(pool_, read);
}

absl::StatusOr<int64_t> RoomLog::Purge(int64_t keep_count, absl::Time older_than) {
  return db::InTransaction(pool_, [&](pqxx::work& t) -> absl::StatusOr<int64_t> {
    return static_cast<int64_t>(
        t.exec_params0(sql::kPurge, keep_count, PgTime(older_than)).affected_rows());
  });
}

absl::Status RoomLog::NotifyEphemeral(absl::string_view stream_id, const pb::RoomEvent& event) {
  std::string payload =
      absl::StrCat("e ", stream_id, " ", absl::Base64Escape(event.SerializeAsString()));
  return db::InTransaction(pool_, [&](pqxx::work& t) -> absl::Status {
    t.exec_prepared("rp_notify", payload);
    return absl::OkStatus();
  });
}

}  // namespace shopcast::realtime_push::rooms
