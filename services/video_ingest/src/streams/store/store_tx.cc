#include "streams/store/store_tx.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shopcast/events/outbox.h"
#include "shopcast/status/status.h"
#include "streams/proto_time.h"

namespace shopcast::video_ingest::streams::internal {
namespace {

std::optional<absl::Time> OptTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

absl::Time Time(const pqxx::field& f) { return absl::FromUnixMicros(f.as<int64_t>()); }

int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }

}  // namespace

Nullable Micros(const std::optional<absl::Time>& t) {
  if (!t) return Nullable();
  return Nullable(absl::StrCat(Us(*t)));
}

StreamRow ParseStream(const pqxx::row& r) {
  StreamRow s;
  s.id = r[0].as<std::string>();
  s.host_id = r[1].as<std::string>();
  s.title = r[2].as<std::string>();
  s.description = r[3].as<std::string>();
  std::string tags = r[4].as<std::string>();
  if (!tags.empty()) s.tags = absl::StrSplit(tags, ',');  // tags are [a-z0-9-]
  s.status = static_cast<cpb::StreamStatus>(r[5].as<int>());
  s.error_reason = static_cast<cpb::StreamErrorReason>(r[6].as<int>());
  s.end_reason = static_cast<vpb::StreamEndReason>(r[7].as<int>());
  s.recording_choice = static_cast<vpb::RecordingChoice>(r[8].as<int>());
  s.scheduled_start_at = OptTime(r[9]);
  s.created_at = Time(r[10]);
  s.updated_at = Time(r[11]);
  s.went_live_at = OptTime(r[12]);
  s.ended_at = OptTime(r[13]);
  s.reconnect_deadline = OptTime(r[14]);
  s.key_hint = r[15].as<std::string>();
  s.key_issued_at = Time(r[16]);
  s.version = r[17].as<int64_t>();
  s.active_session_id = r[18].is_null() ? "" : r[18].as<std::string>();
  s.next_sequence = r[19].as<int64_t>();
  s.media_offset = absl::Microseconds(r[20].as<int64_t>());
  s.gated = r[21].as<bool>();
  if (!r[22].is_null()) s.access_price = AccessPrice{r[22].as<int64_t>(), r[23].as<std::string>()};
  s.thumbnail_at = OptTime(r[24]);
  if (!r[25].is_null()) s.poster_path = r[25].as<std::string>();
  return s;
}

SessionRow ParseSession(const pqxx::row& r) {
  SessionRow s;
  s.id = r[0].as<std::string>();
  s.stream_id = r[1].as<std::string>();
  s.protocol = r[2].as<int>() == 2 ? IngestProtocol::kSrt : IngestProtocol::kRtmp;
  s.remote_address = r[3].as<std::string>();
  s.started_at = Time(r[4]);
  s.ended_at = OptTime(r[5]);
  s.end_reason = static_cast<vpb::SessionEndReason>(r[6].as<int>());
  s.error_reason = static_cast<cpb::StreamErrorReason>(r[7].as<int>());
  s.media.video_codec = r[8].as<std::string>();
  s.media.width = r[9].as<int>();
  s.media.height = r[10].as<int>();
  s.media.frame_rate = r[11].as<double>();
  s.media.audio_codec = r[12].as<std::string>();
  s.media.audio_sample_rate = r[13].as<int>();
  s.media.audio_channels = r[14].as<int>();
  s.media.codecs = r[15].as<std::string>();
  s.bitrate_kbps = r[16].as<int>();
  s.bytes_received = r[17].as<int64_t>();
  s.segments_written = r[18].as<int64_t>();
  s.last_media_at = OptTime(r[19]);
  return s;
}

SegmentRow ParseSegment(const pqxx::row& r) {
  SegmentRow g;
  g.stream_id = r[0].as<std::string>();
  g.session_id = r[1].as<std::string>();
  g.info.sequence = r[2].as<int64_t>();
  g.info.program_date_time = Time(r[3]);
  g.info.duration = absl::Microseconds(r[4].as<int64_t>());
  g.info.media_offset = absl::Microseconds(r[5].as<int64_t>());
  g.info.size_bytes = r[6].as<int64_t>();
  g.info.sha256 = r[7].as<std::string>();
  g.info.path = r[8].as<std::string>();
  g.info.discontinuity = r[9].as<bool>();
  return g;
}

absl::Status StreamNotFound() { return NotFound("STREAM_NOT_FOUND", "no such stream"); }
absl::Status NotOwner() {
  return PermissionDenied("NOT_STREAM_OWNER", "only the stream's host may do this");
}
absl::Status StreamEnded() {
  return Error(absl::StatusCode::kFailedPrecondition, "STREAM_ENDED", "the stream has ended");
}

std::optional<StreamRow> StoreTx::Lock(std::string_view stream_id) {
  pqxx::result r = tx_.exec_prepared("vi_lock_stream", S(stream_id));
  if (r.empty()) return std::nullopt;
  return ParseStream(r[0]);
}

std::optional<StreamRow> StoreTx::LockByKeyHash(std::string_view key_hash) {
  pqxx::result r = tx_.exec_prepared("vi_lock_stream_by_key", S(key_hash));
  if (r.empty()) return std::nullopt;
  return ParseStream(r[0]);
}

StreamRow StoreTx::WithSession(StreamRow row) {
  pqxx::result r = tx_.exec_prepared("vi_select_latest_session", row.id);
  if (!r.empty()) row.current_session = ParseSession(r[0]);
  return row;
}

void StoreTx::SaveState(const StreamRow& s, absl::Time now, const char* force_end_note) {
  Nullable active = s.active_session_id.empty() ? Nullable() : Nullable(s.active_session_id);
  Nullable went_live = Micros(s.went_live_at);
  Nullable ended = Micros(s.ended_at);
  Nullable deadline = Micros(s.reconnect_deadline);
  tx_.exec_prepared("vi_save_stream_state", s.id, static_cast<int>(s.status),
                    static_cast<int>(s.error_reason), static_cast<int>(s.end_reason),
                    static_cast<int>(s.recording_choice), went_live.get(), ended.get(),
                    deadline.get(), active.get(), s.next_sequence,
                    absl::ToInt64Microseconds(s.media_offset), Us(now), force_end_note);
}

bool StoreTx::EndSession(std::string_view session_id, vpb::SessionEndReason why,
                         cpb::StreamErrorReason error, absl::Time now) {
  pqxx::result r = tx_.exec_prepared("vi_end_session", S(session_id), Us(now),
                                     static_cast<int>(why), static_cast<int>(error));
  return r.affected_rows() > 0;
}

void StoreTx::Release(StreamRow& s, std::string_view session_id, vpb::SessionEndReason why,
                      cpb::StreamErrorReason error, absl::Time now) {
  EndSession(session_id, why, error, now);
  if (s.active_session_id != session_id) return;  // not (or no longer) the stream's encoder
  s.active_session_id.clear();
  if (s.status == cpb::STREAM_STATUS_LIVE) {
    s.status = cpb::STREAM_STATUS_RECONNECTING;
    s.reconnect_deadline = now + options_.reconnect_grace;
    SaveState(s, now);
    if (why != vpb::SESSION_END_REASON_STREAM_ENDED) {
      vpb::StreamReconnecting e;
      e.set_stream_id(s.id);
      e.set_session_id(S(session_id));
      ToProto(now, e.mutable_since());
      ToProto(*s.reconnect_deadline, e.mutable_reconnect_deadline());
      Emit("stream_reconnecting", s.id, e);
    }
    return;
  }
  if (s.status == cpb::STREAM_STATUS_PREPARING && error != cpb::STREAM_ERROR_REASON_UNSPECIFIED) {
    s.error_reason = error;
  }
  SaveState(s, now);
}

void StoreTx::End(StreamRow& s, cpb::StreamStatus status, vpb::StreamEndReason end_reason,
                  cpb::StreamErrorReason error, vpb::RecordingChoice choice,
                  vpb::SessionEndReason session_why, absl::Time now, const char* force_end_note) {
  if (!s.active_session_id.empty()) {
    EndSession(s.active_session_id, session_why, error, now);
    s.active_session_id.clear();
  }
  s.status = status;
  s.end_reason = end_reason;
  s.error_reason = error;
  s.recording_choice = choice;
  s.ended_at = now;
  s.reconnect_deadline.reset();
  SaveState(s, now, force_end_note);

  pqxx::row totals = tx_.exec_prepared1("vi_segment_totals", s.id);
  vpb::StreamEnded e;
  e.set_stream_id(s.id);
  e.set_host_id(s.host_id);
  e.set_status(status);
  e.set_end_reason(end_reason);
  e.set_error_reason(error);
  e.set_recording_choice(choice);
  if (s.went_live_at) ToProto(*s.went_live_at, e.mutable_went_live_at());
  ToProto(now, e.mutable_ended_at());
  e.set_segment_count(totals[0].as<int64_t>());
  e.set_last_segment_sequence(std::max<int64_t>(0, totals[1].as<int64_t>()));
  ToProto(absl::Microseconds(totals[2].as<int64_t>()), e.mutable_media_duration());
  e.set_poster_path(s.poster_path);
  Emit("stream_ended", s.id, e);
}

events::OutgoingEvent StreamEvent(const StoreOptions& options, std::string_view type,
                                  std::string_view stream_id,
                                  const google::protobuf::Message& payload) {
  return events::OutgoingEvent{.source = kEventSource,
                               .type = absl::StrCat("video_ingest.", A(type)),
                               .aggregate_id = S(stream_id),
                               .destinations = options.event_destinations,
                               .payload = &payload};
}

void StoreTx::Emit(std::string_view type, std::string_view stream_id,
                   const google::protobuf::Message& payload) {
  if (options_.event_destinations.empty()) return;
  events::Enqueue(tx_, StreamEvent(options_, type, stream_id, payload));
}

}  // namespace shopcast::video_ingest::streams::internal
