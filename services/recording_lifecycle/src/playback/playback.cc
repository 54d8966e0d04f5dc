#include "playback/playback.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t us = absl::ToUnixMicros(t);
  out->set_seconds(us / 1000000);
  out->set_nanos(static_cast<int32_t>((us % 1000000) * 1000));
}

void SetDuration(int64_t us, google::protobuf::Duration* out) {
  out->set_seconds(us / 1000000);
  out->set_nanos(static_cast<int32_t>((us % 1000000) * 1000));
}

// A well-formed, non-negative proto Duration in µs; nullopt otherwise.
std::optional<int64_t> DurationUs(const google::protobuf::Duration& d) {
  if (d.seconds() < 0 || d.nanos() < 0 || d.nanos() > 999999999 ||
      d.seconds() > int64_t{315576000000}) {
    return std::nullopt;
  }
  return d.seconds() * 1000000 + d.nanos() / 1000;
}

absl::Status OffsetOutOfRange(absl::string_view field, int64_t duration_us) {
  return InvalidArgument(field, kReasonOffsetOutOfRange,
                         absl::StrCat("the start offset must lie within the recording (0..",
                                      duration_us / 1000, " ms)"));
}

// Printable ASCII without quotes, spaces or '#', at most 512: safe as a playlist URI prefix.
bool SafeUriPrefix(absl::string_view p) {
  if (p.size() > 512) return false;
  for (char c : p) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '#' || c == '\\') return false;
  }
  return true;
}

}  // namespace

bool MayView(const RecordingRow& rec, const std::optional<auth::Caller>& caller) {
  if (rec.decision == v1::RETENTION_DECISION_SAVE) return true;
  return caller && (caller->role == auth::Role::kAdmin || caller->user_id == rec.host_id);
}

bool PlaysFree(const RecordingRow& rec, const std::optional<auth::Caller>& caller) {
  if (!rec.gated) return true;
  return caller && (caller->role == auth::Role::kAdmin || caller->user_id == rec.host_id);
}

absl::Status Playable(const RecordingRow& rec) {
  if (rec.status == v1::RECORDING_STATUS_DELETING || rec.status == v1::RECORDING_STATUS_DELETED ||
      rec.tier == v1::STORAGE_TIER_EXPIRED) {
    return Error(absl::StatusCode::kFailedPrecondition, kReasonRecordingExpired,
                 "the recording's media is gone");
  }
  if (rec.status != v1::RECORDING_STATUS_READY) {
    return Error(absl::StatusCode::kFailedPrecondition, kReasonRecordingNotReady,
                 "the recording is not ready yet");
  }
  return absl::OkStatus();
}

absl::StatusOr<RecordingRow> Playback::Load(const std::string& id) {
  if (ids::IsValidId(id, "rec")) {
    ASSIGN_OR_RETURN(std::optional<RecordingRow> rec, store_.Recording(id));
    if (rec) return *std::move(rec);
  }
  return NotFound(kReasonRecordingNotFound, "no such recording");
}

absl::StatusOr<v1::GetPlaybackUrlResponse> Playback::GetPlaybackUrl(
    const std::optional<auth::Caller>& caller, const v1::GetPlaybackUrlRequest& request,
    absl::Time now) {
  if (request.recording_id().empty()) {
    return InvalidArgument("recording_id", "ID_REQUIRED", "recording_id is required");
  }
  if (!ids::IsValidId(request.recording_id(), "rec")) {
    return InvalidArgument("recording_id", kReasonIdInvalid, "recording_id is not a recording id");
  }
  std::optional<int64_t> requested_us;
  if (request.has_start_offset()) {
    requested_us = DurationUs(request.start_offset());
    if (!requested_us) return OffsetOutOfRange("start_offset", 0);
  }
  if (request.start_case() == v1::GetPlaybackUrlRequest::kMomentId &&
      !ids::IsValidId(request.moment_id(), "mom")) {
    return InvalidArgument("moment_id", kReasonIdInvalid, "moment_id is not a moment id");
  }
  ASSIGN_OR_RETURN(RecordingRow rec, Load(request.recording_id()));
  if (!MayView(rec, caller)) return NotFound(kReasonRecordingNotFound, "no such recording");
  // A gated show's replay is its pass holders' (with its host's and admins'), as the show was.
  std::string pass_holder;
  if (!PlaysFree(rec, caller)) {
    if (!caller) {
      return Unauthenticated("TOKEN_MISSING",
                             "this show was for access pass holders: sign in to play its replay");
    }
    ASSIGN_OR_RETURN(const bool holds, store_.HoldsPass(rec.id, caller->user_id));
    if (!holds) {
      return PermissionDenied(kReasonAccessPassRequired,
                              "this show was for access pass holders: its replay is too");
    }
    pass_holder = caller->user_id;
  }
  RETURN_IF_ERROR(Playable(rec));

  std::optional<int64_t> start_us;
  if (requested_us) {
    if (*requested_us > rec.duration_us) return OffsetOutOfRange("start_offset", rec.duration_us);
    start_us = *requested_us;
  } else if (request.start_case() == v1::GetPlaybackUrlRequest::kMomentId) {
    ASSIGN_OR_RETURN(std::optional<MomentRow> moment, store_.Moment(request.moment_id(), rec.id));
    if (!moment || !moment->media_offset_us || moment->cancelled) {
      return NotFound(kReasonMomentNotFound, "no such moment in this recording");
    }
    start_us = std::clamp<int64_t>(
        *moment->media_offset_us - absl::ToInt64Microseconds(options_.moment_lead_in), 0,
        rec.duration_us);
  }

  VodClaims claims;
  claims.recording_id = rec.id;
  if (!pass_holder.empty()) {
    claims.scope = VodScope::kPassHolder;  // the origin re-checks the pass on every request
    claims.pass_holder = pass_holder;
  }
  claims.expires_at = absl::FromUnixSeconds(absl::ToUnixSeconds(now + options_.url_ttl));
  if (start_us) claims.start_ms = *start_us / 1000;
  const std::string token = codec_.Sign(claims);

  v1::GetPlaybackUrlResponse out;
  out.set_url(absl::StrCat(options_.public_base_url, "/vod/", rec.id, "/index.m3u8?token=", token));
  SetTimestamp(claims.expires_at, out.mutable_expires_at());
  SetDuration(start_us ? (*start_us / 1000) * 1000 : 0, out.mutable_start_offset());
  out.set_tier(rec.tier);
  return out;
}

absl::StatusOr<std::string> Playback::PlaylistText(const std::string& recording_id,
                                                   std::optional<int64_t> start_us,
                                                   const std::string& uri_prefix,
                                                   const std::string& uri_suffix,
                                                   v1::StorageTier* tier) {
  ASSIGN_OR_RETURN(RecordingRow rec, Load(recording_id));
  RETURN_IF_ERROR(Playable(rec));
  ASSIGN_OR_RETURN(std::vector<SegmentRow> rows, store_.Segments(rec.id));
  if (rows.empty()) {
    return Error(absl::StatusCode::kFailedPrecondition, kReasonRecordingNotReady,
                 "the recording has no segments");
  }
  PlaylistInput in;
  in.segments.reserve(rows.size());
  for (auto& r : rows) {
    if (r.tier == v1::STORAGE_TIER_EXPIRED) {
      return Error(absl::StatusCode::kFailedPrecondition, kReasonRecordingExpired,
                   "the recording's media is gone");
    }
    in.segments.push_back(r.segment);
  }
  ASSIGN_OR_RETURN(in.markers, store_.Markers(rec.id));
  in.start_offset_us = start_us;
  in.uri_prefix = uri_prefix;
  in.uri_suffix = uri_suffix;
  if (tier != nullptr) *tier = rec.tier;
  return BuildVodPlaylist(in);
}

absl::StatusOr<v1::GetPlaylistResponse> Playback::GetPlaylist(
    const v1::GetPlaylistRequest& request) {
  if (request.key_case() == v1::GetPlaylistRequest::kClipId) {
    return Error(absl::StatusCode::kUnimplemented, "CLIP_PLAYLIST_UNSUPPORTED",
                 "clips are served as MP4 files, not playlists", "clip_id");
  }
  if (request.recording_id().empty()) {
    return InvalidArgument("recording_id", "ID_REQUIRED", "recording_id is required");
  }
  if (!SafeUriPrefix(request.segment_uri_prefix())) {
    return InvalidArgument("segment_uri_prefix", "URI_PREFIX_INVALID",
                           "segment_uri_prefix must be at most 512 printable characters "
                           "without spaces, quotes or '#'");
  }
  std::optional<int64_t> start_us;
  if (request.has_start_offset()) {
    start_us = DurationUs(request.start_offset());
    if (!start_us) return OffsetOutOfRange("start_offset", 0);
  }
  if (start_us) {
    ASSIGN_OR_RETURN(RecordingRow rec, Load(request.recording_id()));
    if (*start_us > rec.duration_us) return OffsetOutOfRange("start_offset", rec.duration_us);
  }
  v1::GetPlaylistResponse out;
  v1::StorageTier tier = v1::STORAGE_TIER_UNSPECIFIED;
  ASSIGN_OR_RETURN(*out.mutable_playlist(), PlaylistText(request.recording_id(), start_us,
                                                         request.segment_uri_prefix(), "", &tier));
  out.set_tier(tier);
  return out;
}

absl::StatusOr<v1::ResolveSegmentResponse> Playback::ResolveSegment(
    const v1::ResolveSegmentRequest& request, absl::Time now) {
  if (request.recording_id().empty()) {
    return InvalidArgument("recording_id", "ID_REQUIRED", "recording_id is required");
  }
  if (request.sequence() < 0) {
    return InvalidArgument("sequence", "SEQUENCE_INVALID", "sequence must not be negative");
  }
  ASSIGN_OR_RETURN(RecordingRow rec, Load(request.recording_id()));
  RETURN_IF_ERROR(Playable(rec));
  ASSIGN_OR_RETURN(std::optional<SegmentRow> seg, store_.Segment(rec.id, request.sequence()));
  if (!seg) return NotFound(kReasonSegmentNotFound, "no such segment in this recording");
  if (seg->tier == v1::STORAGE_TIER_EXPIRED) {
    return Error(absl::StatusCode::kFailedPrecondition, kReasonRecordingExpired,
                 "the segment's media is gone");
  }
  v1::ResolveSegmentResponse out;
  const absl::Time expires = absl::FromUnixSeconds(absl::ToUnixSeconds(now + options_.resolve_ttl));
  storage::StorageProvider* provider = providers_ ? providers_(seg->tier) : nullptr;
  if (seg->tier == v1::STORAGE_TIER_COLD && provider != nullptr) {
    ASSIGN_OR_RETURN(*out.mutable_url(),
                     provider->PresignGet(seg->object_key, options_.resolve_ttl));
  } else {
    VodClaims claims;
    claims.recording_id = rec.id;
    claims.expires_at = expires;
    out.set_url(absl::StrCat(options_.origin_base_url, "/vod/", rec.id, "/", seg->segment.sequence,
                             ".ts?token=", codec_.Sign(claims)));
  }
  SetTimestamp(expires, out.mutable_expires_at());
  out.set_size_bytes(seg->size_bytes);
  out.set_sha256(seg->sha256);
  out.set_content_type("video/mp2t");
  return out;
}

}  // namespace shopcast::recording_lifecycle::playback
