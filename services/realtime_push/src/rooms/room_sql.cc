#include "rooms/room_sql.h"

namespace shopcast::realtime_push::rooms::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"rp_open_room", kOpenRoom},
      {"rp_retitle_room", kRetitleRoom},
      {"rp_select_room", kSelectRoom},
      {"rp_lock_room", kLockRoom},
      {"rp_lock_rooms", kLockRooms},
      {"rp_select_event_ids", kSelectEventIds},
      {"rp_insert_events", kInsertEvents},
      {"rp_advance_heads_and_notify", kAdvanceHeadsAndNotify},
      {"rp_upsert_cards", kUpsertCards},
      {"rp_append_at_known_heads", kAppendAtKnownHeads},
      {"rp_close_room", kCloseRoom},
      {"rp_select_heads", kSelectHeads},
      {"rp_select_by_event_id", kSelectByEventId},
      {"rp_insert_event", kInsertEvent},
      {"rp_advance_head", kAdvanceHead},
      {"rp_notify", kNotify},
      {"rp_read_after", kReadAfter},
      {"rp_oldest_seq", kOldestSeq},
      {"rp_set_status", kSetStatus},
      {"rp_upsert_card", kUpsertCard},
      {"rp_select_card", kSelectCard},
      {"rp_save_card_stock", kSaveCardStock},
      {"rp_save_card", kSaveCard},
      {"rp_clear_pins", kClearPins},
      {"rp_set_pin", kSetPin},
      {"rp_upsert_auction", kUpsertAuction},
      {"rp_snapshot_room", kSnapshotRoom},
      {"rp_snapshot_pinned", kSnapshotPinned},
      {"rp_snapshot_products", kSnapshotProducts},
      {"rp_snapshot_auctions", kSnapshotAuctions},
      {"rp_snapshot_events_of_kind", kSnapshotEventsOfKind},
      {"rp_snapshot_chat", kSnapshotChat},
      {"rp_snapshot_engagement", kSnapshotEngagement},
  };
}

}  // namespace shopcast::realtime_push::rooms::sql
