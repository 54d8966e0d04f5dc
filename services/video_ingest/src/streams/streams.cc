#include "streams/streams.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "streams/page_token.h"
#include "streams/validation.h"

namespace shopcast::video_ingest::streams {
namespace {

// 256 random bits, as the contract promises.
constexpr size_t kStreamKeyBytes = 32;
constexpr size_t kKeyHintChars = 4;

// Debian's Abseil keeps its own string_view; the store speaks std::string_view.
std::string_view Std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

absl::Status NotOwner() {
  return PermissionDenied("NOT_STREAM_OWNER", "only the stream's host may do this");
}

bool HasEncoder(const StreamRow& s) {
  return !s.active_session_id.empty() || s.status == cpb::STREAM_STATUS_LIVE ||
         s.status == cpb::STREAM_STATUS_RECONNECTING;
}

// Every content field of a create request, normalised and length-prefixed so that no two
// different requests share the text, hashed.
std::string Fingerprint(const NewStream& n) {
  std::string text;
  for (const std::string& part :
       {n.title, n.description, absl::StrJoin(n.tags, "\n"),
        n.scheduled_start_at ? absl::StrCat(absl::ToUnixMicros(*n.scheduled_start_at)) : "-"}) {
    absl::StrAppend(&text, part.size(), ":", part, ";");
  }
  // Only when there is one, so the fingerprints of requests without gating stay what they were
  // before gating existed (a retry across the upgrade is still the same request).
  if (n.gated || n.access_price) {
    std::string gating = absl::StrCat(n.gated ? "gated" : "open", ":",
                                      n.access_price ? n.access_price->amount_minor : 0, ":",
                                      n.access_price ? n.access_price->currency : "");
    absl::StrAppend(&text, gating.size(), ":", gating, ";");
  }
  return ids::HashSecret(text);
}

absl::Status AccessPriceRequired(absl::string_view field) {
  return InvalidArgument(field, "ACCESS_PRICE_REQUIRED", "a gated stream needs an access price");
}

std::string KeyHint(const std::string& key) {
  return key.substr(key.size() - std::min(key.size(), kKeyHintChars));
}

template <typename Page>
Listed<Page> WithToken(const pagetoken::Codec& codec, Page page, absl::string_view list,
                       absl::string_view binding) {
  std::string next = page.next ? EncodePageToken(codec, list, binding, *page.next) : "";
  return Listed<Page>{std::move(page), std::move(next)};
}

}  // namespace

absl::Status RequireHost(const auth::Caller& caller) {
  if (caller.role != auth::Role::kHost && caller.role != auth::Role::kAdmin) {
    return PermissionDenied("NOT_A_HOST", "only hosts may do this");
  }
  return absl::OkStatus();
}

Streams::Streams(StreamStore& store, PassStore& passes, LiveControl& live, StreamsOptions options,
                 std::function<absl::Time()> clock)
    : store_(store),
      passes_(passes),
      live_(live),
      options_(std::move(options)),
      clock_(std::move(clock)) {}

Endpoints Streams::NewEndpoints() const {
  Endpoints e;
  e.stream_key = absl::StrCat("sk_", ids::NewSecret(kStreamKeyBytes));
  e.rtmp_server_url = options_.rtmp_public_url;
  e.rtmp_url = absl::StrCat(options_.rtmp_public_url, "/", e.stream_key);
  e.srt_url = absl::StrCat(options_.srt_public_url, "?streamid=", e.stream_key,
                           "&latency=", options_.srt_latency_us);
  return e;
}

absl::StatusOr<std::pair<StreamRow, Endpoints>> Streams::Create(const auth::Caller& caller,
                                                                const CreateInput& in) {
  RETURN_IF_ERROR(RequireHost(caller));
  const absl::Time now = clock_();
  NewStream n;
  n.host_id = caller.user_id;
  ASSIGN_OR_RETURN(n.title, NormalizeTitle(in.title));
  RETURN_IF_ERROR(CheckDescription(in.description));
  n.description = in.description;
  ASSIGN_OR_RETURN(n.tags, NormalizeTags(in.tags));
  RETURN_IF_ERROR(CheckSchedule(in.scheduled_start_at, now));
  n.scheduled_start_at = in.scheduled_start_at;
  if (in.access_price) {
    RETURN_IF_ERROR(
        CheckAccessPrice(in.access_price->amount_minor, in.access_price->currency, "access_price"));
  } else if (in.gated) {
    return AccessPriceRequired("access_price");
  }
  n.gated = in.gated;
  n.access_price = in.access_price;
  RETURN_IF_ERROR(CheckIdempotencyKey(in.idempotency_key));
  n.idempotency_key = in.idempotency_key;
  n.request_fingerprint = Fingerprint(n);
  Endpoints endpoints = NewEndpoints();
  n.key_hash = ids::HashSecret(endpoints.stream_key);
  n.key_hint = KeyHint(endpoints.stream_key);
  ASSIGN_OR_RETURN(StreamRow row, store_.CreateStream(n, now));
  log::Info("stream_created").Kv("stream_id", row.id).Kv("host_id", row.host_id);
  return std::make_pair(std::move(row), std::move(endpoints));
}

absl::StatusOr<std::pair<StreamRow, Endpoints>> Streams::RotateKey(const auth::Caller& caller,
                                                                   absl::string_view stream_id,
                                                                   bool disconnect) {
  RETURN_IF_ERROR(CheckStreamId(stream_id));
  Endpoints endpoints = NewEndpoints();
  ASSIGN_OR_RETURN(StreamRow row, store_.RotateKey(Std(stream_id), caller.user_id,
                                                   ids::HashSecret(endpoints.stream_key),
                                                   KeyHint(endpoints.stream_key), clock_()));
  log::Info("stream_key_rotated").Kv("stream_id", row.id).Kv("disconnect", disconnect);
  if (disconnect && HasEncoder(row)) {
    live_.StopPublishing(row.id, vpb::SESSION_END_REASON_KEY_ROTATED);
    ASSIGN_OR_RETURN(row, store_.GetStream(row.id));
  }
  return std::make_pair(std::move(row), std::move(endpoints));
}

absl::StatusOr<StreamRow> Streams::Get(absl::string_view stream_id) {
  RETURN_IF_ERROR(CheckStreamId(stream_id));
  return store_.GetStream(Std(stream_id));
}

absl::StatusOr<StreamRow> Streams::Update(const auth::Caller& caller, absl::string_view stream_id,
                                          StreamUpdate update) {
  RETURN_IF_ERROR(CheckStreamId(stream_id, "stream.id"));
  if (update.title) {
    ASSIGN_OR_RETURN(update.title, NormalizeTitle(*update.title, "stream.title"));
  }
  if (update.description) {
    RETURN_IF_ERROR(CheckDescription(*update.description, "stream.description"));
  }
  if (update.tags) {
    ASSIGN_OR_RETURN(update.tags, NormalizeTags(*update.tags, "stream.tags"));
  }
  if (update.access_price) {
    RETURN_IF_ERROR(CheckAccessPrice(update.access_price->amount_minor,
                                     update.access_price->currency, "stream.access_price"));
  }
  const absl::Time now = clock_();
  if (update.scheduled_start_at) {
    RETURN_IF_ERROR(CheckSchedule(*update.scheduled_start_at, now, "stream.scheduled_start_at"));
  }
  return store_.UpdateStream(Std(stream_id), caller.user_id, update, now);
}

absl::StatusOr<Listed<StreamPage>> Streams::ListLive(absl::string_view tag,
                                                     absl::string_view host_id, int page_size,
                                                     absl::string_view page_token) {
  ASSIGN_OR_RETURN(std::string t, NormalizeTagFilter(tag, "tag"));
  RETURN_IF_ERROR(CheckHostFilter(host_id));
  ASSIGN_OR_RETURN(int limit, EffectivePageSize(page_size));
  std::string binding = absl::StrCat(t, ";", host_id);
  ASSIGN_OR_RETURN(PageCursor after, DecodePageToken(options_.page_tokens, page_token, "live",
                                                     binding, CursorKind::kStreamTime));
  ASSIGN_OR_RETURN(StreamPage page, store_.ListLive(t, Std(host_id), limit, after));
  return WithToken(options_.page_tokens, std::move(page), "live", binding);
}

absl::StatusOr<Listed<StreamPage>> Streams::ListUpcoming(absl::string_view tag,
                                                         absl::string_view host_id, int page_size,
                                                         absl::string_view page_token) {
  ASSIGN_OR_RETURN(std::string t, NormalizeTagFilter(tag, "tag"));
  RETURN_IF_ERROR(CheckHostFilter(host_id));
  ASSIGN_OR_RETURN(int limit, EffectivePageSize(page_size));
  std::string binding = absl::StrCat(t, ";", host_id);
  ASSIGN_OR_RETURN(PageCursor after, DecodePageToken(options_.page_tokens, page_token, "upcoming",
                                                     binding, CursorKind::kStreamTime));
  ASSIGN_OR_RETURN(StreamPage page, store_.ListUpcoming(t, Std(host_id), clock_(), limit, after));
  return WithToken(options_.page_tokens, std::move(page), "upcoming", binding);
}

absl::StatusOr<Listed<StreamPage>> Streams::ListMine(const auth::Caller& caller,
                                                     std::vector<cpb::StreamStatus> statuses,
                                                     int page_size, absl::string_view page_token) {
  RETURN_IF_ERROR(RequireHost(caller));
  for (cpb::StreamStatus s : statuses) {
    if (s < cpb::STREAM_STATUS_PREPARING || s > cpb::STREAM_STATUS_ERROR) {
      return InvalidArgument("statuses", "STATUS_INVALID", "unknown stream status");
    }
  }
  std::sort(statuses.begin(), statuses.end());
  statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());
  ASSIGN_OR_RETURN(int limit, EffectivePageSize(page_size));
  std::string binding = absl::StrCat(caller.user_id, ";", absl::StrJoin(statuses, ","));
  ASSIGN_OR_RETURN(PageCursor after, DecodePageToken(options_.page_tokens, page_token, "mine",
                                                     binding, CursorKind::kStreamTime));
  ASSIGN_OR_RETURN(StreamPage page, store_.ListByHost(caller.user_id, statuses, limit, after));
  return WithToken(options_.page_tokens, std::move(page), "mine", binding);
}

absl::StatusOr<StreamRow> Streams::End(const auth::Caller& caller, absl::string_view stream_id,
                                       vpb::RecordingChoice choice) {
  RETURN_IF_ERROR(CheckStreamId(stream_id));
  if (choice != vpb::RECORDING_CHOICE_SAVE && choice != vpb::RECORDING_CHOICE_DELETE &&
      choice != vpb::RECORDING_CHOICE_UNDECIDED) {
    return InvalidArgument("recording_choice", "RECORDING_CHOICE_REQUIRED",
                           "choose SAVE, DELETE or UNDECIDED for the recording");
  }
  ASSIGN_OR_RETURN(StreamRow s, store_.GetStream(Std(stream_id)));
  if (s.host_id != caller.user_id) return NotOwner();
  if (IsTerminal(s.status)) return s;
  // The runtime flushes the packager before returning, so every SegmentClosed of the stream
  // commits before its StreamEnded.
  if (HasEncoder(s)) live_.StopPublishing(s.id, vpb::SESSION_END_REASON_STREAM_ENDED);
  ASSIGN_OR_RETURN(s, store_.EndStream(s.id, caller.user_id, choice, clock_()));
  log::Info("stream_ended")
      .Kv("stream_id", s.id)
      .Kv("by", caller.user_id)
      .Kv("end_reason", vpb::StreamEndReason_Name(s.end_reason));
  return s;
}

absl::StatusOr<StreamRow> Streams::ForceEnd(const auth::Caller& caller, absl::string_view stream_id,
                                            absl::string_view reason) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kAdmin));
  RETURN_IF_ERROR(CheckStreamId(stream_id));
  RETURN_IF_ERROR(CheckForceEndReason(reason));
  ASSIGN_OR_RETURN(StreamRow s, store_.GetStream(Std(stream_id)));
  if (IsTerminal(s.status)) return s;
  if (HasEncoder(s)) live_.StopPublishing(s.id, vpb::SESSION_END_REASON_STREAM_ENDED);
  ASSIGN_OR_RETURN(s, store_.ForceEndStream(s.id, Std(reason), clock_()));
  log::Warn("stream_force_ended")
      .Kv("stream_id", s.id)
      .Kv("by", caller.user_id)
      .Kv("reason", std::string(reason));
  return s;
}

absl::StatusOr<PlaybackGrant> Streams::PlaybackToken(const auth::Caller& caller,
                                                     absl::string_view stream_id) {
  RETURN_IF_ERROR(CheckStreamId(stream_id));
  ASSIGN_OR_RETURN(StreamRow s, store_.GetStream(Std(stream_id)));
  PlaybackGrant grant;
  grant.playback_url = PlaybackUrl(store_.options().playback_base_url, s.id);
  if (!s.gated) return grant;
  access::PlaybackClaims claims;
  claims.stream_id = s.id;
  claims.viewer_id = caller.user_id;
  if (caller.user_id == s.host_id) {
    claims.holder = access::TokenHolder::kHost;
  } else if (caller.role == auth::Role::kAdmin) {
    claims.holder = access::TokenHolder::kAdmin;
  } else {
    ASSIGN_OR_RETURN(bool has_pass, passes_.HasActivePass(caller.user_id, s.id));
    if (!has_pass) {
      return PermissionDenied("ACCESS_PASS_REQUIRED",
                              "this stream is gated: buy an access pass to watch it");
    }
    claims.holder = access::TokenHolder::kViewer;
  }
  // Whole seconds, as the token carries them, so expires_at is exactly what the origin applies.
  claims.expires_at =
      absl::FromUnixSeconds(absl::ToUnixSeconds(clock_() + options_.playback_token_ttl));
  grant.gated = true;
  grant.token = options_.playback_tokens->Sign(claims);
  grant.expires_at = claims.expires_at;
  absl::StrAppend(&grant.playback_url, "?token=", grant.token);
  return grant;
}

absl::StatusOr<std::vector<StreamRow>> Streams::Lookup(const std::vector<std::string>& ids) {
  if (ids.empty() || static_cast<int>(ids.size()) > kMaxLookupIds) {
    return InvalidArgument("stream_ids", "STREAM_IDS_INVALID", "give 1 to 100 stream ids");
  }
  for (const std::string& id : ids) RETURN_IF_ERROR(CheckStreamId(id, "stream_ids"));
  return store_.LookupStreams(ids);
}

absl::StatusOr<Listed<SegmentPage>> Streams::ListSegments(absl::string_view stream_id,
                                                          int64_t from_sequence, int page_size,
                                                          absl::string_view page_token) {
  RETURN_IF_ERROR(CheckStreamId(stream_id));
  if (from_sequence < 0) {
    return InvalidArgument("from_sequence", "SEQUENCE_INVALID", "from_sequence must be >= 0");
  }
  ASSIGN_OR_RETURN(int limit, EffectivePageSize(page_size, kMaxSegmentPageSize));
  std::string binding = absl::StrCat(stream_id, ";", from_sequence);
  ASSIGN_OR_RETURN(PageCursor after, DecodePageToken(options_.page_tokens, page_token, "segments",
                                                     binding, CursorKind::kSegmentSequence));
  ASSIGN_OR_RETURN(SegmentPage page,
                   store_.ListSegments(Std(stream_id), from_sequence, limit, after));
  return WithToken(options_.page_tokens, std::move(page), "segments", binding);
}

}  // namespace shopcast::video_ingest::streams
