// StreamStore: the operations behind the ingest runtime (claims, segments, releases, expiry).
#include <algorithm>
#include <limits>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/status/status.h"
#include "streams/proto_time.h"
#include "streams/store/store_tx.h"
#include "streams/store/stream_store.h"

namespace shopcast::video_ingest::streams {

using internal::Nullable;
using internal::S;
using internal::StoreTx;

namespace {

int ProtocolNumber(IngestProtocol p) { return p == IngestProtocol::kSrt ? 2 : 1; }
vpb::IngestProtocol ProtocolProto(IngestProtocol p) {
  return p == IngestProtocol::kSrt ? vpb::INGEST_PROTOCOL_SRT : vpb::INGEST_PROTOCOL_RTMP;
}

absl::Status KeyInvalid() {
  return PermissionDenied("STREAM_KEY_INVALID", "the stream key is not valid");
}
absl::Status SessionNotFound() { return NotFound("SESSION_NOT_FOUND", "no such ingest session"); }

// A relative path under the segment root: no absolute paths, no "..", no backslashes.
bool IsSafeSegmentPath(std::string_view path) {
  return !path.empty() && path.front() != '/' && path.find("..") == std::string_view::npos &&
         path.find('\\') == std::string_view::npos;
}

// The outcome of a claim: a rejection must commit its session row and event, so it travels
// as a value out of the transaction and becomes an error afterwards.
struct ClaimOutcome {
  std::optional<Claim> claim;
  absl::Status refusal;
};

// The stream id of `session_id`, or nullopt.
std::optional<std::string> StreamOfSession(pqxx::work& tx, std::string_view session_id) {
  pqxx::result r = tx.exec_prepared("vi_select_session", S(session_id));
  if (r.empty()) return std::nullopt;
  return r[0][1].as<std::string>();
}

}  // namespace

absl::StatusOr<Claim> StreamStore::ClaimForPublish(std::string_view stream_key,
                                                   IngestProtocol protocol,
                                                   std::string_view remote_address,
                                                   absl::Time now) {
  if (stream_key.empty() || stream_key.size() > kMaxStreamKeyBytes) return KeyInvalid();
  const std::string key_hash = ids::HashSecret(internal::A(stream_key));
  auto outcome = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<ClaimOutcome> {
    StoreTx t(tx, options_);
    std::optional<StreamRow> s = t.LockByKeyHash(key_hash);
    if (!s) return KeyInvalid();
    if (s->status == cpb::STREAM_STATUS_RECONNECTING && s->active_session_id.empty() &&
        s->reconnect_deadline && *s->reconnect_deadline <= now) {
      // The expiry sweep has not got to it yet: the grace period is over all the same.
      t.End(*s, cpb::STREAM_STATUS_ENDED, vpb::STREAM_END_REASON_GRACE_EXPIRED,
            cpb::STREAM_ERROR_REASON_UNSPECIFIED, vpb::RECORDING_CHOICE_UNDECIDED,
            vpb::SESSION_END_REASON_ENCODER_DISCONNECTED, now);
      return ClaimOutcome{std::nullopt, internal::StreamEnded()};
    }
    if (IsTerminal(s->status)) return internal::StreamEnded();

    const std::string session_id = ids::NewId("ses");
    const int64_t now_us = absl::ToUnixMicros(now);
    if (!s->active_session_id.empty()) {
      tx.exec_prepared(
          "vi_insert_session", session_id, s->id, ProtocolNumber(protocol), S(remote_address),
          now_us, now_us, static_cast<int>(vpb::SESSION_END_REASON_REJECTED),
          static_cast<int>(cpb::STREAM_ERROR_REASON_ALREADY_PUBLISHING), options_.instance_id);
      if (s->status == cpb::STREAM_STATUS_PREPARING) {
        s->error_reason = cpb::STREAM_ERROR_REASON_ALREADY_PUBLISHING;
        t.SaveState(*s, now);
      }
      vpb::PublishRejected e;
      e.set_stream_id(s->id);
      e.set_session_id(session_id);
      e.set_protocol(ProtocolProto(protocol));
      e.set_reason(cpb::STREAM_ERROR_REASON_ALREADY_PUBLISHING);
      ToProto(now, e.mutable_rejected_at());
      t.Emit("publish_rejected", s->id, e);
      return ClaimOutcome{std::nullopt,
                          Error(absl::StatusCode::kFailedPrecondition, "ALREADY_PUBLISHING",
                                "another encoder is publishing to this stream")};
    }

    tx.exec_prepared("vi_insert_session", session_id, s->id, ProtocolNumber(protocol),
                     S(remote_address), now_us, static_cast<const char*>(nullptr), 0, 0,
                     options_.instance_id);
    Claim c;
    c.stream_id = s->id;
    c.session_id = session_id;
    c.host_id = s->host_id;
    c.title = s->title;
    c.resumed = s->status == cpb::STREAM_STATUS_RECONNECTING;
    c.next_sequence = s->next_sequence;
    c.media_offset = s->media_offset;
    s->active_session_id = session_id;
    t.SaveState(*s, now);
    return ClaimOutcome{std::move(c), absl::OkStatus()};
  });
  if (!outcome.ok()) return outcome.status();
  if (!outcome->claim) return outcome->refusal;
  return *std::move(outcome->claim);
}

absl::Status StreamStore::RecordMediaInfo(std::string_view session_id, const MediaInfo& m) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result r = tx.exec_prepared("vi_record_media_info", S(session_id), m.video_codec, m.width,
                                      m.height, m.frame_rate, m.audio_codec, m.audio_sample_rate,
                                      m.audio_channels, m.codecs);
    if (r.affected_rows() == 0) return SessionNotFound();
    return absl::OkStatus();
  });
}

absl::Status StreamStore::RecordThumbnail(std::string_view stream_id, std::string_view poster_path,
                                          absl::Time now) {
  if (!poster_path.empty() &&
      (!IsSafeSegmentPath(poster_path) ||
       !absl::StartsWith(internal::A(poster_path), absl::StrCat(internal::A(stream_id), "/")))) {
    return InvalidArgument("poster_path", "POSTER_PATH_INVALID",
                           "a poster is a file in the stream's own folder");
  }
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    Nullable poster = poster_path.empty() ? Nullable() : Nullable(S(poster_path));
    pqxx::result r = tx.exec_prepared("vi_record_thumbnail", S(stream_id), absl::ToUnixMicros(now),
                                      poster.get());
    if (r.affected_rows() == 0) return internal::StreamNotFound();
    return absl::OkStatus();
  });
}

absl::Status StreamStore::RecordSegment(const Claim& claim, const SegmentInfo& g, absl::Time now) {
  if (g.sequence < 0 || g.duration < absl::ZeroDuration() ||
      g.media_offset < absl::ZeroDuration() || g.size_bytes < 0 || !IsSafeSegmentPath(g.path)) {
    return InvalidArgument("segment", "SEGMENT_INVALID", "segment facts are out of range");
  }
  const int64_t duration_us = absl::ToInt64Microseconds(g.duration);
  const int64_t offset_us = absl::ToInt64Microseconds(g.media_offset);
  // kbit/s over this segment: bits per millisecond.
  const int64_t duration_ms = std::max<int64_t>(1, duration_us / 1000);
  const int bitrate_kbps = static_cast<int>(
      std::min<int64_t>(g.size_bytes * 8 / duration_ms, std::numeric_limits<int32_t>::max()));
  vpb::SegmentClosed closed;
  if (!options_.event_destinations.empty()) {  // no one to tell: not even built
    closed.set_stream_id(claim.stream_id);
    closed.set_session_id(claim.session_id);
    closed.set_sequence(g.sequence);
    ToProto(g.program_date_time, closed.mutable_program_date_time());
    ToProto(g.duration, closed.mutable_duration());
    ToProto(g.media_offset, closed.mutable_media_offset());
    closed.set_size_bytes(g.size_bytes);
    closed.set_sha256(g.sha256);
    closed.set_path(g.path);
    closed.set_content_type("video/mp2t");
    closed.set_discontinuity(g.discontinuity);
  }

  // The common case first, in one round trip: the stream is live on this session. Safe to run
  // again (the runtime retries a commit in doubt): a segment recorded before inserts nothing
  // and announces nothing.
  auto live = db::InAutocommit(pool_, [&](pqxx::nontransaction& tx) -> absl::StatusOr<bool> {
    events::PreparedEvent e;
    e.destinations = "{}";
    if (!options_.event_destinations.empty()) {
      e = events::PrepareEvent(
          internal::StreamEvent(options_, "segment_closed", claim.stream_id, closed));
    }
    pqxx::row r = tx.exec_prepared1(
        "vi_record_live_segment", claim.stream_id, g.sequence, claim.session_id,
        absl::ToUnixMicros(g.program_date_time), duration_us, offset_us, g.size_bytes, g.sha256,
        g.path, g.discontinuity, bitrate_kbps, absl::ToUnixMicros(now), e.event_id,
        e.destinations, e.type, e.source, e.aggregate_id,
        pqxx::binarystring(e.payload.data(), e.payload.size()));
    return r[0].as<bool>();
  });
  if (!live.ok()) return live.status();
  if (*live) return absl::OkStatus();

  // Any other state: the stream may go live with this segment, or the session may be over.
  bool session_ended = false;
  RETURN_IF_ERROR(db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    StoreTx t(tx, options_);
    session_ended = false;  // a retried transaction starts over
    std::optional<StreamRow> s = t.Lock(claim.stream_id);
    if (!s) return internal::StreamNotFound();
    pqxx::result session = tx.exec_prepared("vi_select_session", claim.session_id);
    if (session.empty()) return SessionNotFound();
    session_ended = internal::ParseSession(session[0]).ended_at.has_value();
    pqxx::result inserted =
        tx.exec_prepared("vi_insert_segment", s->id, g.sequence, claim.session_id,
                         absl::ToUnixMicros(g.program_date_time), duration_us, offset_us,
                         g.size_bytes, g.sha256, g.path, g.discontinuity);
    if (inserted.affected_rows() == 0) return absl::OkStatus();  // recorded before: a retry
    tx.exec_prepared("vi_count_session_segment", claim.session_id, g.size_bytes, bitrate_kbps,
                     absl::ToUnixMicros(now));
    s->next_sequence = std::max(s->next_sequence, g.sequence + 1);
    s->media_offset = std::max(s->media_offset, g.media_offset + g.duration);

    if (s->active_session_id == claim.session_id &&
        (s->status == cpb::STREAM_STATUS_PREPARING ||
         s->status == cpb::STREAM_STATUS_RECONNECTING)) {
      const bool resumed = s->status == cpb::STREAM_STATUS_RECONNECTING;
      s->status = cpb::STREAM_STATUS_LIVE;
      if (!s->went_live_at) s->went_live_at = g.program_date_time;
      s->reconnect_deadline.reset();
      s->error_reason = cpb::STREAM_ERROR_REASON_UNSPECIFIED;
      vpb::StreamWentLive e;
      e.set_stream_id(s->id);
      e.set_host_id(s->host_id);
      e.set_title(s->title);
      e.set_session_id(claim.session_id);
      e.set_protocol(ProtocolProto(internal::ParseSession(session[0]).protocol));
      e.set_resumed(resumed);
      ToProto(g.program_date_time, e.mutable_went_live_at());
      e.set_playback_url(PlaybackUrl(options_.playback_base_url, s->id));
      t.Emit("stream_went_live", s->id, e);
    }
    t.SaveState(*s, now);
    t.Emit("segment_closed", s->id, closed);
    return absl::OkStatus();
  }));
  if (session_ended) {
    return Error(absl::StatusCode::kFailedPrecondition, "SESSION_ENDED",
                 "the ingest session was ended elsewhere; the encoder must reconnect");
  }
  return absl::OkStatus();
}

absl::Status StreamStore::ReleaseSession(std::string_view session_id, vpb::SessionEndReason why,
                                         cpb::StreamErrorReason error, absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    StoreTx t(tx, options_);
    std::optional<std::string> stream_id = StreamOfSession(tx, session_id);
    if (!stream_id) return SessionNotFound();
    std::optional<StreamRow> s = t.Lock(*stream_id);
    t.Release(*s, session_id, why, error, now);
    return absl::OkStatus();
  });
}

absl::Status StreamStore::FailStream(std::string_view session_id, cpb::StreamErrorReason error,
                                     absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    StoreTx t(tx, options_);
    std::optional<std::string> stream_id = StreamOfSession(tx, session_id);
    if (!stream_id) return SessionNotFound();
    std::optional<StreamRow> s = t.Lock(*stream_id);
    t.EndSession(session_id, vpb::SESSION_END_REASON_ERROR, error, now);
    // A stale session (another encoder holds the stream now) cannot take the stream down.
    bool holds = s->active_session_id == session_id || s->active_session_id.empty();
    if (holds && !IsTerminal(s->status)) {
      t.End(*s, cpb::STREAM_STATUS_ERROR, vpb::STREAM_END_REASON_ERROR, error,
            vpb::RECORDING_CHOICE_UNDECIDED, vpb::SESSION_END_REASON_ERROR, now);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> StreamStore::ExpireGracePeriods(absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
    StoreTx t(tx, options_);
    std::vector<std::string> ended;
    for (const auto& row : tx.exec_prepared("vi_expired_streams", absl::ToUnixMicros(now))) {
      std::optional<StreamRow> s = t.Lock(row[0].as<std::string>());
      t.End(*s, cpb::STREAM_STATUS_ENDED, vpb::STREAM_END_REASON_GRACE_EXPIRED,
            cpb::STREAM_ERROR_REASON_UNSPECIFIED, vpb::RECORDING_CHOICE_UNDECIDED,
            vpb::SESSION_END_REASON_ENCODER_DISCONNECTED, now);
      ended.push_back(s->id);
    }
    return ended;
  });
}

absl::Status StreamStore::Heartbeat(absl::Time now) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("vi_heartbeat", options_.instance_id, absl::ToUnixMicros(now),
                     options_.hls_origin);
    tx.exec_prepared("vi_forget_instances", absl::ToUnixMicros(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> StreamStore::ReleaseOrphanedSessions(absl::Time now,
                                                                              bool starting) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
    StoreTx t(tx, options_);
    std::vector<std::string> released;
    const pqxx::result rows =
        tx.exec_prepared("vi_orphaned_sessions", options_.instance_id, starting,
                         absl::ToUnixMicros(now - options_.instance_lease));
    for (const auto& row : rows) {
      std::string session_id = row[0].as<std::string>();
      std::optional<StreamRow> s = t.Lock(*StreamOfSession(tx, session_id));
      t.Release(*s, session_id, vpb::SESSION_END_REASON_ENCODER_DISCONNECTED,
                cpb::STREAM_ERROR_REASON_UNSPECIFIED, now);
      released.push_back(std::move(session_id));
    }
    return released;
  });
}

}  // namespace shopcast::video_ingest::streams
