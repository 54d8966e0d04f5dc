#include "engagement/engagement_sql.h"

namespace shopcast::realtime_push::engagement::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"rpe_room_state", kRoomState},
      {"rpe_ensure_counters", kEnsureCounters},
      {"rpe_lock_counters", kLockCounters},
      {"rpe_read_counters", kReadCounters},
      {"rpe_select_reaction", kSelectReaction},
      {"rpe_upsert_reaction", kUpsertReaction},
      {"rpe_delete_reaction", kDeleteReaction},
      {"rpe_add_reaction_counts", kAddReactionCounts},
      {"rpe_minute_reaction", kMinuteReaction},
      {"rpe_lock_presence", kLockPresence},
      {"rpe_insert_presence", kInsertPresence},
      {"rpe_rejoin_presence", kRejoinPresence},
      {"rpe_heartbeat", kHeartbeat},
      {"rpe_leave_presence", kLeavePresence},
      {"rpe_sweep_expired", kSweepExpired},
      {"rpe_add_viewers", kAddViewers},
      {"rpe_minute_viewers", kMinuteViewers},
      {"rpe_take_reactions_gate", kTakeReactionsGate},
      {"rpe_take_viewers_gate", kTakeViewersGate},
      {"rpe_reactions_gate_state", kReactionsGateState},
      {"rpe_viewers_gate_state", kViewersGateState},
      {"rpe_stats_room", kStatsRoom},
      {"rpe_stats_watch", kStatsWatch},
      {"rpe_stats_chat", kStatsChat},
      {"rpe_stats_chat_messages", kStatsChatMessages},
      {"rpe_stats_minutes", kStatsMinutes},
      {"rpe_stats_viewers_before", kStatsViewersBefore},
      {"rpe_stats_sales", kStatsSales},
  };
}

}  // namespace shopcast::realtime_push::engagement::sql
