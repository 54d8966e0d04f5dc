#pragma once

// Reactions in PostgreSQL: one per identity per room, and the room's like/dislike counters kept
// by the same transaction, so the counts always equal the rows. A room's reaction changes are
// serialized on its counter row; each change bumps the counts' version (what pushes carry).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/db/pool.h"

namespace shopcast::realtime_push::engagement {

// Values as stored and as shopcast.realtime_push.v1.Reaction numbers them (NONE: no row).
enum class Reaction { kNone = 0, kLike = 1, kDislike = 2 };

struct ReactionCounts {
  int64_t likes = 0;
  int64_t dislikes = 0;
  int64_t version = 0;
};

struct ReactionChange {
  ReactionCounts counts;
  // False when the identity already had this reaction (nothing stored, nothing to push).
  bool changed = false;
};

class ReactionsStore {
 public:
  explicit ReactionsStore(db::Pool& pool) : pool_(pool) {}

  // Sets `identity`'s reaction in the room. NOT_FOUND ROOM_NOT_FOUND, FAILED_PRECONDITION
  // ROOM_CLOSED.
  absl::StatusOr<ReactionChange> Set(absl::string_view stream_id, absl::string_view identity,
                                     Reaction reaction, absl::Time now);

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::realtime_push::engagement
