#pragma once

// The rooms' durable event logs in realtime-push's PostgreSQL, and the room state kept beside
// them (what a snapshot shows). Appending assigns the room's next sequence under the room row's
// lock, so sequences are gapless and strictly increasing however many replicas publish; the
// same transaction applies the event to the room state and notifies the other replicas.

#include <cstdint>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/db/pool.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::realtime_push::rooms {

namespace pb = ::shopcast::realtime_push::v1;

// The NOTIFY channel of appended events ("d <stream> <seq>") and ephemeral ones
// ("e <stream> <base64 RoomEvent>").
inline constexpr char kRoomChannel[] = "shopcast_room_events";

struct Room {
  std::string stream_id;
  std::string host_id;
  std::string title;
  int status = 1;  // shopcast.common.v1.StreamStatus
  int64_t head_seq = 0;
  absl::Time opened_at;
  std::optional<absl::Time> closed_at;
};

// One stored event: its sequence and the serialized RoomEvent.
struct StoredEvent {
  int64_t seq = 0;
  int kind = 0;  // the RoomEvent payload's field number
  std::string bytes;
};

struct Appended {
  std::string stream_id;
  int64_t seq = 0;
  bool duplicate = false;  // the event id was appended before; seq is the first one's
  int kind = 0;            // the RoomEvent payload's field number
  std::string bytes;       // serialized RoomEvent; empty for a duplicate
};

struct AppendOptions {
  // A closed room still takes stream status changes (the stream's end arrives after it closed
  // only when events are redelivered out of band).
  bool allow_closed = false;
};

// Statements that run inside a caller's transaction, so an event consumer can apply several
// changes and its dedupe mark atomically.
namespace tx {

// Opens the room if it does not exist (idempotent; an existing room keeps its host).
void OpenRoom(pqxx::work& tx, absl::string_view stream_id, absl::string_view host_id,
              absl::string_view title, absl::Time now);
void RetitleRoom(pqxx::work& tx, absl::string_view stream_id, absl::string_view title);
// Stops taking new events other than status changes; idempotent.
void CloseRoom(pqxx::work& tx, absl::string_view stream_id, absl::Time now);

// Appends `event` (payload and occurred_at as given; stream id, sequence and ephemeral set here)
// as `event_id`. NOT_FOUND ROOM_NOT_FOUND, FAILED_PRECONDITION ROOM_CLOSED; a repeated event id
// is a duplicate, not an error. Throws pqxx errors (InTransaction maps them).
absl::StatusOr<Appended> Append(pqxx::work& tx, absl::string_view stream_id,
                                absl::string_view event_id, pb::RoomEvent event,
                                AppendOptions options = {});

}  // namespace tx

struct SnapshotLimits {
  int products = 200;
  int chat = 50;
  int sales = 20;
};

class RoomLog {
 public:
  explicit RoomLog(db::Pool& pool, SnapshotLimits limits = {}) : pool_(pool), limits_(limits) {}

  absl::StatusOr<Appended> Append(absl::string_view stream_id, absl::string_view event_id,
                                  pb::RoomEvent event, AppendOptions options = {});
  // NOT_FOUND ROOM_NOT_FOUND.
  absl::StatusOr<Room> GetRoom(absl::string_view stream_id);
  // Up to `limit` events after `after_seq`, in order (fewer near the head; the first may be
  // later than after_seq + 1 if events were purged).
  absl::StatusOr<std::vector<StoredEvent>> ReadAfter(absl::string_view stream_id, int64_t after_seq,
                                                     int limit);
  // The oldest sequence still in the log, or head + 1 when the log is empty.
  absl::StatusOr<int64_t> OldestRetained(absl::string_view stream_id);
  // Heads of the rooms among `stream_ids` that exist.
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> Heads(
      const std::vector<std::string>& stream_ids);
  // The room's state as of its head, read in one consistent snapshot. NOT_FOUND ROOM_NOT_FOUND.
  absl::StatusOr<pb::RoomSnapshot> Snapshot(absl::string_view stream_id, absl::Time now);
  // Removes events beyond each room's last `keep_count` or recorded before `older_than`.
  absl::StatusOr<int64_t> Purge(int64_t keep_count, absl::Time older_than);
  // Sends an ephemeral event to every replica's subscribers (NOTIFY; nothing is stored).
  absl::Status NotifyEphemeral(absl::string_view stream_id, const pb::RoomEvent& event);

  db::Pool& pool() { return pool_; }

 private:
  db::Pool& pool_;
  const SnapshotLimits limits_;
};

}  // namespace shopcast::realtime_push::rooms
