#include "engagement/reactions_store.h"

#include <pqxx/result>
#include <pqxx/transaction>

#include "engagement/room_check.h"
#include "rooms/pg_time.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::engagement {
namespace {

int LikesOf(Reaction r) { return r == Reaction::kLike ? 1 : 0; }
int DislikesOf(Reaction r) { return r == Reaction::kDislike ? 1 : 0; }

}  // namespace

absl::StatusOr<ReactionChange> ReactionsStore::Set(absl::string_view stream_id,
                                                   absl::string_view identity, Reaction reaction,
                                                   absl::Time now) {
  const std::string stream(stream_id);
  const std::string who(identity);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ReactionChange> {
    RETURN_IF_ERROR(ReadOpenRoom(tx, stream).status());
    tx.exec_prepared0("rpe_ensure_counters", stream);
    // The counter row's lock orders this room's reaction changes, so two taps of one identity
    // (or of many) never miscount.
    pqxx::result counters = tx.exec_prepared("rpe_lock_counters", stream);
    ReactionChange out;
    out.counts = {counters[0][0].as<int64_t>(), counters[0][1].as<int64_t>(),
                  counters[0][2].as<int64_t>()};
    const int64_t viewers = counters[0][3].as<int64_t>();
    pqxx::result old_row = tx.exec_prepared("rpe_select_reaction", stream, who);
    const Reaction old =
        old_row.empty() ? Reaction::kNone : static_cast<Reaction>(old_row[0][0].as<int>());
    if (old == reaction) return out;
    if (reaction == Reaction::kNone) {
      tx.exec_prepared0("rpe_delete_reaction", stream, who);
    } else {
      tx.exec_prepared0("rpe_upsert_reaction", stream, who, static_cast<int>(reaction),
                        PgTime(now));
    }
    pqxx::result after =
        tx.exec_prepared("rpe_add_reaction_counts", stream, LikesOf(reaction) - LikesOf(old),
                         DislikesOf(reaction) - DislikesOf(old));
    out.counts = {after[0][0].as<int64_t>(), after[0][1].as<int64_t>(), after[0][2].as<int64_t>()};
    out.changed = true;
    if (reaction != Reaction::kNone) {
      tx.exec_prepared0("rpe_minute_reaction", stream, MinuteOf(now), viewers, LikesOf(reaction),
                        DislikesOf(reaction));
    }
    return out;
  });
}

}  // namespace shopcast::realtime_push::engagement
