#include "chat/chat_sql.h"

namespace shopcast::realtime_push::chat::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"rp_chat_lock_room", kLockRoom},
      {"rp_chat_room_host", kSelectRoomHost},
      {"rp_chat_by_client_id", kSelectByClientId},
      {"rp_chat_select_ban", kSelectBan},
      {"rp_chat_select_mute", kSelectMute},
      {"rp_chat_ensure_bucket", kEnsureBucket},
      {"rp_chat_lock_bucket", kLockBucket},
      {"rp_chat_save_bucket", kSaveBucket},
      {"rp_chat_insert_message", kInsertMessage},
      {"rp_chat_lock_message", kLockMessage},
      {"rp_chat_mark_deleted", kMarkDeleted},
      {"rp_chat_upsert_mute", kUpsertMute},
      {"rp_chat_delete_mute", kDeleteMute},
      {"rp_chat_insert_ban", kInsertBan},
      {"rp_chat_delete_ban", kDeleteBan},
      {"rp_chat_list", kListMessages},
  };
}

}  // namespace shopcast::realtime_push::chat::sql
