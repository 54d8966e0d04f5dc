#pragma once

// Presence in PostgreSQL: one row per participant session with its lease and watch time, and
// the room's viewer counters (current and peak) kept by the same transaction that moves a
// session in or out, so the count always equals the active viewer rows. The room's host is
// present as the broadcaster and not counted.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engagement/identity.h"
#include "shopcast/db/pool.h"

namespace shopcast::realtime_push::engagement {

struct ViewerChange {
  std::string stream_id;
  int64_t viewers = 0;
  // The viewer counts' version after the change; 0 when nothing changed (nothing to push).
  int64_t version = 0;
};

struct Swept {
  int sessions = 0;                   // sessions ended
  std::vector<ViewerChange> changes;  // rooms whose viewers changed
};

class PresenceStore {
 public:
  explicit PresenceStore(db::Pool& pool) : pool_(pool) {}

  // Starts (or refreshes) the session's lease until now + lease. NOT_FOUND ROOM_NOT_FOUND,
  // FAILED_PRECONDITION ROOM_CLOSED.
  absl::StatusOr<ViewerChange> Join(absl::string_view stream_id, const Participant& who,
                                    absl::Time now, absl::Duration lease);
  // Extends a live lease; the room's viewers. NOT_FOUND SESSION_NOT_FOUND once the lease lapsed
  // (or the session never joined), ROOM_NOT_FOUND, FAILED_PRECONDITION ROOM_CLOSED.
  absl::StatusOr<int64_t> Heartbeat(absl::string_view stream_id, const Participant& who,
                                    absl::Time now, absl::Duration lease);
  // Ends the session's presence now; idempotent. NOT_FOUND ROOM_NOT_FOUND.
  absl::StatusOr<ViewerChange> Leave(absl::string_view stream_id, const Participant& who,
                                     absl::Time now);
  // Ends up to `limit` sessions whose lease lapsed before `now` (their watch time ends at their
  // last heartbeat). Safe beside other replicas' sweeps.
  absl::StatusOr<Swept> SweepExpired(absl::Time now, int limit);

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::realtime_push::engagement
