#include "recordings/stream_events.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/event_fields.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"
#include "storage/object_key.h"

namespace shopcast::recording_lifecycle::recordings {
namespace {

namespace vi = ::shopcast::video_ingest::v1;

constexpr int64_t kMaxSequence = int64_t{1} << 40;

absl::Status Invalid(absl::string_view field, absl::string_view reason, absl::string_view what) {
  return Error(absl::StatusCode::kInvalidArgument, reason, absl::StrCat("stream event: ", what),
               field);
}

int64_t MicrosOf(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1'000'000 + t.nanos() / 1000;
}

// A duration in microseconds, or -1 when malformed (negative parts, mixed signs, nanos range).
int64_t MicrosOf(const google::protobuf::Duration& d) {
  if (d.seconds() < 0 || d.nanos() < 0 || d.nanos() > 999'999'999 ||
      d.seconds() > kMaxEventSeconds) {
    return -1;
  }
  return d.seconds() * 1'000'000 + d.nanos() / 1000;
}

bool IsLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// `key` is a valid object key directly under `stream_id`'s folder.
bool KeyOfStream(const std::string& key, const std::string& stream_id) {
  if (!storage::ValidateKey(key).ok()) return false;
  const std::string prefix = stream_id + "/";
  if (!absl::StartsWith(key, prefix)) return false;
  return key.find('/', prefix.size()) == std::string::npos && key.size() > prefix.size();
}

absl::Status CheckStream(const std::string& stream_id) {
  if (!ids::IsValidId(stream_id, "str")) {
    return Invalid("stream_id", "STREAM_ID_INVALID", "no valid str_ stream id");
  }
  return absl::OkStatus();
}

absl::StatusOr<StreamChange> OfWentLive(const common::v1::Event& event) {
  vi::StreamWentLive e;
  if (!event.payload().UnpackTo(&e)) {
    return Invalid("payload", "EVENT_PAYLOAD_UNREADABLE", "not a video_ingest.v1.StreamWentLive");
  }
  RETURN_IF_ERROR(CheckStream(e.stream_id()));
  if (!IsPlainId(e.host_id())) return Invalid("host_id", "HOST_ID_INVALID", "no valid host id");
  if (!e.session_id().empty() && !IsPlainId(e.session_id())) {
    return Invalid("session_id", "SESSION_ID_INVALID", "malformed session id");
  }
  if (!Utf8Length(e.title())) return Invalid("title", "TITLE_INVALID", "title is not UTF-8");
  if (e.has_went_live_at() && !IsValidEventTime(e.went_live_at())) {
    return Invalid("went_live_at", "TIME_INVALID", "went_live_at out of range");
  }
  WentLive w;
  w.stream_id = e.stream_id();
  w.host_id = e.host_id();
  w.title = Utf8Prefix(e.title(), kMaxTitleChars);
  w.session_id = e.session_id();
  w.resumed = e.resumed();
  w.went_live_us = e.has_went_live_at() ? MicrosOf(e.went_live_at()) : 0;
  return StreamChange(std::move(w));
}

absl::StatusOr<StreamChange> OfSegment(const common::v1::Event& event) {
  vi::SegmentClosed e;
  if (!event.payload().UnpackTo(&e)) {
    return Invalid("payload", "EVENT_PAYLOAD_UNREADABLE", "not a video_ingest.v1.SegmentClosed");
  }
  RETURN_IF_ERROR(CheckStream(e.stream_id()));
  if (!IsPlainId(e.session_id())) {
    return Invalid("session_id", "SESSION_ID_INVALID", "no valid session id");
  }
  if (e.sequence() < 0 || e.sequence() >= kMaxSequence) {
    return Invalid("sequence", "SEGMENT_SEQUENCE_INVALID", "sequence out of range");
  }
  if (!e.has_program_date_time() || !IsValidEventTime(e.program_date_time())) {
    return Invalid("program_date_time", "SEGMENT_TIME_INVALID", "no valid program date time");
  }
  const int64_t duration = MicrosOf(e.duration());
  if (!e.has_duration() || duration <= 0 || duration > kMaxSegmentDurationUs) {
    return Invalid("duration", "SEGMENT_DURATION_INVALID", "duration must be in (0, 10 min]");
  }
  const int64_t offset = MicrosOf(e.media_offset());
  if (offset < 0) {
    return Invalid("media_offset", "SEGMENT_OFFSET_INVALID", "media offset must be >= 0");
  }
  if (e.size_bytes() <= 0) {
    return Invalid("size_bytes", "SEGMENT_SIZE_INVALID", "a segment has at least one byte");
  }
  if (!IsLowerHex64(e.sha256())) {
    return Invalid("sha256", "SEGMENT_SHA256_INVALID", "sha256 must be 64 lower-case hex digits");
  }
  if (!KeyOfStream(e.path(), e.stream_id())) {
    return Invalid("path", "SEGMENT_PATH_INVALID",
                   "path must be a valid object key in the stream's own folder");
  }
  if (!e.content_type().empty() && e.content_type() != "video/mp2t" &&
      e.content_type() != "video/mp4") {
    return Invalid("content_type", "SEGMENT_CONTENT_TYPE_INVALID", "not a segment's MIME type");
  }
  SegmentIndex s;
  s.stream_id = e.stream_id();
  s.session_id = e.session_id();
  s.sequence = e.sequence();
  s.pdt_us = MicrosOf(e.program_date_time());
  s.duration_us = duration;
  s.media_offset_us = offset;
  s.size_bytes = e.size_bytes();
  s.sha256 = e.sha256();
  s.object_key = e.path();
  s.discontinuity = e.discontinuity();
  return StreamChange(std::move(s));
}

absl::StatusOr<StreamChange> OfEnded(const common::v1::Event& event) {
  vi::StreamEnded e;
  if (!event.payload().UnpackTo(&e)) {
    return Invalid("payload", "EVENT_PAYLOAD_UNREADABLE", "not a video_ingest.v1.StreamEnded");
  }
  RETURN_IF_ERROR(CheckStream(e.stream_id()));
  if (!e.host_id().empty() && !IsPlainId(e.host_id())) {
    return Invalid("host_id", "HOST_ID_INVALID", "malformed host id");
  }
  if (e.segment_count() < 0 || e.segment_count() >= kMaxSequence) {
    return Invalid("segment_count", "SEGMENT_COUNT_INVALID", "segment count out of range");
  }
  if (e.segment_count() > 0 && e.last_segment_sequence() != e.segment_count() - 1) {
    return Invalid("last_segment_sequence", "SEGMENT_COUNT_INVALID",
                   "last_segment_sequence must be segment_count - 1");
  }
  if (e.has_ended_at() && !IsValidEventTime(e.ended_at())) {
    return Invalid("ended_at", "TIME_INVALID", "ended_at out of range");
  }
  if (!e.poster_path().empty() && !KeyOfStream(e.poster_path(), e.stream_id())) {
    return Invalid("poster_path", "POSTER_PATH_INVALID",
                   "poster_path must be a valid object key in the stream's own folder");
  }
  Ended d;
  d.stream_id = e.stream_id();
  d.host_id = e.host_id();
  d.segment_count = e.segment_count();
  d.last_segment_sequence = e.segment_count() > 0 ? e.last_segment_sequence() : -1;
  d.ended_us = e.has_ended_at() ? MicrosOf(e.ended_at()) : 0;
  d.poster_key = e.poster_path();
  switch (e.recording_choice()) {
    case vi::RECORDING_CHOICE_SAVE:
      d.choice = 2;
      break;
    case vi::RECORDING_CHOICE_DELETE:
      d.choice = 3;
      break;
    default:
      d.choice = 1;  // undecided (also an encoder timeout or an error)
  }
  return StreamChange(std::move(d));
}

}  // namespace

absl::StatusOr<StreamChange> StreamChangeOf(const common::v1::Event& event) {
  if (event.source() != "video_ingest") return StreamChange();
  if (event.type() == "video_ingest.stream_went_live") return OfWentLive(event);
  if (event.type() == "video_ingest.segment_closed") return OfSegment(event);
  if (event.type() == "video_ingest.stream_ended") return OfEnded(event);
  return StreamChange();
}

std::optional<size_t> Utf8Length(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return std::nullopt;
    }
    i += len;
    ++n;
  }
  return n;
}

std::string Utf8Prefix(const std::string& s, size_t max_chars) {
  size_t i = 0;
  for (size_t n = 0; i < s.size() && n < max_chars; ++n) {
    const auto c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : 4;
  }
  return s.substr(0, std::min(i, s.size()));
}

}  // namespace shopcast::recording_lifecycle::recordings
