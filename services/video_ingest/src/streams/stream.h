#pragma once

// Plain types for streams and ingest sessions as the store reads and writes them. Enum fields
// use the contract's enums so their numbers are the ones stored and sent.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "publish/publish.h"
#include "publish/segment.h"
#include "shopcast/common/v1/stream.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::video_ingest::streams {

namespace cpb = ::shopcast::common::v1;
namespace vpb = ::shopcast::video_ingest::v1;

struct SessionRow {
  std::string id;
  std::string stream_id;
  IngestProtocol protocol = IngestProtocol::kRtmp;
  std::string remote_address;
  absl::Time started_at;
  std::optional<absl::Time> ended_at;
  vpb::SessionEndReason end_reason = vpb::SESSION_END_REASON_UNSPECIFIED;
  cpb::StreamErrorReason error_reason = cpb::STREAM_ERROR_REASON_UNSPECIFIED;
  MediaInfo media;
  int bitrate_kbps = 0;
  int64_t bytes_received = 0;
  int64_t segments_written = 0;
  std::optional<absl::Time> last_media_at;
};

// The price of an access pass to a gated stream, in the currency's minor unit.
struct AccessPrice {
  int64_t amount_minor = 0;
  std::string currency;  // ISO 4217, 3 upper-case letters
  bool operator==(const AccessPrice&) const = default;
};

struct StreamRow {
  std::string id;
  std::string host_id;
  std::string title;
  std::string description;
  std::vector<std::string> tags;
  cpb::StreamStatus status = cpb::STREAM_STATUS_PREPARING;
  cpb::StreamErrorReason error_reason = cpb::STREAM_ERROR_REASON_UNSPECIFIED;
  vpb::StreamEndReason end_reason = vpb::STREAM_END_REASON_UNSPECIFIED;
  vpb::RecordingChoice recording_choice = vpb::RECORDING_CHOICE_UNSPECIFIED;
  std::optional<absl::Time> scheduled_start_at;
  absl::Time created_at;
  absl::Time updated_at;
  std::optional<absl::Time> went_live_at;
  std::optional<absl::Time> ended_at;
  std::optional<absl::Time> reconnect_deadline;
  std::string key_hint;
  absl::Time key_issued_at;
  int64_t version = 0;
  std::string active_session_id;  // "" when no encoder holds the stream
  int64_t next_sequence = 0;
  absl::Duration media_offset;
  std::optional<SessionRow> current_session;  // the connected or last session, if any
  bool gated = false;
  std::optional<AccessPrice> access_price;  // set once a host gave one; kept when ungated
  // When the first live thumbnail was written (thumb.jpg in the stream's folder), if ever.
  std::optional<absl::Time> thumbnail_at;
  // The recording's poster, relative to the segment root ("str_…/poster.jpg"); "" if none yet.
  std::string poster_path;
  // LookupStreams only: the HLS origin of the instance whose open session holds the stream.
  std::string hls_origin;
};

// A stored segment, as ListSegments returns it.
struct SegmentRow {
  std::string stream_id;
  std::string session_id;
  SegmentInfo info;
};

// ENDED or ERROR: the stream never changes status again.
inline bool IsTerminal(cpb::StreamStatus s) {
  return s == cpb::STREAM_STATUS_ENDED || s == cpb::STREAM_STATUS_ERROR;
}

}  // namespace shopcast::video_ingest::streams
