#include "streams/store/sql.h"

namespace shopcast::video_ingest::streams::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"vi_insert_stream", kInsertStream},
      {"vi_lock_host", kLockHost},
      {"vi_select_by_idempotency_key", kSelectByIdempotencyKey},
      {"vi_count_open_streams", kCountOpenStreams},
      {"vi_select_stream", kSelectStream},
      {"vi_lock_stream", kLockStream},
      {"vi_lock_stream_by_key", kLockStreamByKey},
      {"vi_save_stream_state", kSaveStreamState},
      {"vi_save_stream_content", kSaveStreamContent},
      {"vi_save_stream_key", kSaveStreamKey},
      {"vi_select_latest_session", kSelectLatestSession},
      {"vi_select_session", kSelectSession},
      {"vi_insert_session", kInsertSession},
      {"vi_end_session", kEndSession},
      {"vi_record_media_info", kRecordMediaInfo},
      {"vi_record_thumbnail", kRecordThumbnail},
      {"vi_count_session_segment", kCountSessionSegment},
      {"vi_orphaned_sessions", kOrphanedSessions},
      {"vi_heartbeat", kHeartbeat},
      {"vi_forget_instances", kForgetInstances},
      {"vi_insert_segment", kInsertSegment},
      {"vi_record_live_segment", kRecordLiveSegment},
      {"vi_segment_totals", kSegmentTotals},
      {"vi_list_live", kListLive},
      {"vi_list_upcoming", kListUpcoming},
      {"vi_list_mine", kListMine},
      {"vi_lookup_streams", kLookupStreams},
      {"vi_list_segments", kListSegments},
      {"vi_stream_exists", kStreamExists},
      {"vi_expired_streams", kExpiredStreams},
      {"vi_grant_pass", kGrantPass},
      {"vi_revoke_pass", kRevokePass},
      {"vi_active_passes", kActivePasses},
      {"vi_stream_gates", kStreamGates},
      {"vi_insert_marker", kInsertMarker},
      {"vi_applying_markers", kApplyingMarkers},
      {"vi_purge_markers", kPurgeMarkers},
  };
}

}  // namespace shopcast::video_ingest::streams::sql
