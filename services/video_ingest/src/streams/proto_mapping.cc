#include "streams/proto_mapping.h"

#include "streams/proto_time.h"
#include "streams/store/stream_store.h"

namespace shopcast::video_ingest::streams {

void ToProto(const SessionRow& s, vpb::IngestSession* out) {
  out->set_id(s.id);
  out->set_protocol(s.protocol == IngestProtocol::kSrt ? vpb::INGEST_PROTOCOL_SRT
                                                       : vpb::INGEST_PROTOCOL_RTMP);
  out->set_remote_address(s.remote_address);
  ToProto(s.started_at, out->mutable_started_at());
  if (s.ended_at) ToProto(*s.ended_at, out->mutable_ended_at());
  out->set_end_reason(s.end_reason);
  out->set_error_reason(s.error_reason);
  out->set_video_codec(s.media.video_codec);
  out->set_width(s.media.width);
  out->set_height(s.media.height);
  out->set_frame_rate(s.media.frame_rate);
  out->set_audio_codec(s.media.audio_codec);
  out->set_audio_sample_rate(s.media.audio_sample_rate);
  out->set_audio_channels(s.media.audio_channels);
  out->set_bitrate_kbps(s.bitrate_kbps);
  out->set_bytes_received(s.bytes_received);
  out->set_segments_written(s.segments_written);
  if (s.last_media_at) ToProto(*s.last_media_at, out->mutable_last_media_at());
}

void ToProto(const StreamRow& s, const StreamView& view, vpb::Stream* out) {
  out->set_id(s.id);
  out->set_host_id(s.host_id);
  out->set_title(s.title);
  out->set_description(s.description);
  for (const std::string& tag : s.tags) out->add_tags(tag);
  out->set_status(s.status);
  out->set_error_reason(s.error_reason);
  if (s.scheduled_start_at) ToProto(*s.scheduled_start_at, out->mutable_scheduled_start_at());
  ToProto(s.created_at, out->mutable_created_at());
  ToProto(s.updated_at, out->mutable_updated_at());
  if (s.went_live_at) ToProto(*s.went_live_at, out->mutable_went_live_at());
  if (s.ended_at) ToProto(*s.ended_at, out->mutable_ended_at());
  if (s.reconnect_deadline) ToProto(*s.reconnect_deadline, out->mutable_reconnect_deadline());
  if (s.status == cpb::STREAM_STATUS_LIVE || s.status == cpb::STREAM_STATUS_RECONNECTING) {
    out->set_playback_url(PlaybackUrl(view.playback_base_url, s.id));
    if (s.thumbnail_at) out->set_thumbnail_url(ThumbnailUrl(view.playback_base_url, s.id));
  }
  out->set_recording_choice(s.recording_choice);
  out->set_version(s.version);
  out->set_gated(s.gated);
  if (s.access_price) {
    out->mutable_access_price()->set_amount_minor(s.access_price->amount_minor);
    out->mutable_access_price()->set_currency(s.access_price->currency);
  }
  if (!view.host_view) return;
  vpb::IngestInfo* ingest = out->mutable_ingest();
  ingest->set_rtmp_server_url(view.rtmp_server_url);
  ingest->set_srt_server_url(view.srt_server_url);
  ingest->set_stream_key_hint(s.key_hint);
  ToProto(s.key_issued_at, ingest->mutable_stream_key_issued_at());
  if (s.current_session) ToProto(*s.current_session, out->mutable_current_session());
}

void ToProto(const Endpoints& e, vpb::IngestEndpoints* out) {
  out->set_stream_key(e.stream_key);
  out->set_rtmp_server_url(e.rtmp_server_url);
  out->set_rtmp_url(e.rtmp_url);
  out->set_srt_url(e.srt_url);
}

void ToProto(const SegmentRow& g, vpb::SegmentClosed* out) {
  out->set_stream_id(g.stream_id);
  out->set_session_id(g.session_id);
  out->set_sequence(g.info.sequence);
  ToProto(g.info.program_date_time, out->mutable_program_date_time());
  ToProto(g.info.duration, out->mutable_duration());
  ToProto(g.info.media_offset, out->mutable_media_offset());
  out->set_size_bytes(g.info.size_bytes);
  out->set_sha256(g.info.sha256);
  out->set_path(g.info.path);
  out->set_content_type("video/mp2t");
  out->set_discontinuity(g.info.discontinuity);
}

}  // namespace shopcast::video_ingest::streams
