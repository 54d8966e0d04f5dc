#include "hls/responder.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "hls/playlist_rewrite.h"
#include "media/playlist_progress.h"
#include "media/thumbnail_source.h"
#include "shopcast/http_files/responses.h"
#include "shopcast/log/log.h"

namespace shopcast::video_ingest::hls {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;

constexpr std::string_view kAllowedMethods = "GET, HEAD, OPTIONS";
// Segments are written once under a name never reused, so any cache may keep them forever.
constexpr std::string_view kSegmentCacheControl = "public, max-age=31536000, immutable";
constexpr std::string_view kPreflightMaxAge = "86400";
// A gated stream's files: for the token holder's browser only, never a shared cache (a CDN
// would hand them to anyone). Its playlists carry the token and are never stored at all.
constexpr std::string_view kGatedSegmentCacheControl = "private, max-age=31536000, immutable";
constexpr std::string_view kGatedPlaylistCacheControl = "private, no-store";
// Low-Latency HLS parts are the exception: when a session fails in the middle of a segment, the
// next session cuts that segment again under the same part names. Kept a few seconds (a CDN
// still serves a crowd at the live edge from one fetch), never for good.
constexpr std::string_view kPartCacheControl = "public, max-age=4";
constexpr std::string_view kGatedPartCacheControl = "private, max-age=4";

bool IsPart(const HlsResource& resource) {
  return media::ParsePartFileName(resource.file_name).has_value();
}
// Our playlists are a few KiB; anything far larger is not one we wrote.
constexpr uint64_t kMaxRewrittenPlaylistBytes = 1 << 20;

constexpr AccessDecision kRefusals[] = {
    AccessDecision::kTokenMissing, AccessDecision::kTokenMalformed,   AccessDecision::kTokenForged,
    AccessDecision::kTokenExpired, AccessDecision::kTokenWrongStream, AccessDecision::kPassRevoked,
    AccessDecision::kUnavailable,
};

// The whole (small) file behind `fd`, which is closed; UNAVAILABLE on a read error or a file
// too large to be our playlist.
absl::StatusOr<std::string> ReadAll(int fd, uint64_t size) {
  std::string out;
  absl::Status status = absl::OkStatus();
  if (size > kMaxRewrittenPlaylistBytes) {
    status = absl::UnavailableError("playlist too large");
  } else {
    out.resize(size);
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the packager renames playlists in place: this file never shrinks
      done += static_cast<size_t>(n);
    }
    out.resize(done);
  }
  ::close(fd);
  if (!status.ok()) return status;
  return out;
}

// Opens <root>/<stream>/<path>, where `path` is a file name or "<rung>/<file name>" (both
// validated by ParseHlsTarget), one component at a time.
absl::StatusOr<http_files::OpenFile> OpenStreamFile(const std::string& root,
                                                    const std::string& stream_id,
                                                    std::string_view path) {
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos) return http_files::OpenUnderRoot(root, {stream_id, path});
  return http_files::OpenUnderRoot(root,
                                   {stream_id, path.substr(0, slash), path.substr(slash + 1)});
}

// EXT-X-TARGETDURATION of a playlist's text, or 0 when it has none. It is in the head.
int64_t ParseTargetSeconds(std::string_view text) {
  constexpr std::string_view kTag = "#EXT-X-TARGETDURATION:";
  const size_t at = text.substr(0, 4096).find(kTag);
  if (at == std::string_view::npos) return 0;
  int64_t seconds = 0;
  for (size_t i = at + kTag.size(); i < text.size() && seconds < 100000; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') break;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds;
}

// EXT-X-TARGETDURATION of the playlist file, or 0 when it cannot be read. It is in the head.
int64_t ReadTargetSeconds(const std::string& root, const std::string& stream_id,
                          const std::string& playlist_name) {
  absl::StatusOr<http_files::OpenFile> opened = OpenStreamFile(root, stream_id, playlist_name);
  if (!opened.ok()) return 0;
  absl::StatusOr<std::string> text = ReadAll(opened->fd, std::min<uint64_t>(opened->size, 4096));
  if (!text.ok()) return 0;
  return ParseTargetSeconds(*text);
}

std::string_view Std(beast::string_view s) { return std::string_view(s.data(), s.size()); }
beast::string_view Bv(std::string_view s) { return beast::string_view(s.data(), s.size()); }

}  // namespace

std::string_view DecisionLabel(AccessDecision decision) {
  switch (decision) {
    case AccessDecision::kOpen:
      return "open";
    case AccessDecision::kAllowed:
      return "allowed";
    case AccessDecision::kTokenMissing:
      return "token_missing";
    case AccessDecision::kTokenMalformed:
      return "token_malformed";
    case AccessDecision::kTokenForged:
      return "token_forged";
    case AccessDecision::kTokenExpired:
      return "token_expired";
    case AccessDecision::kTokenWrongStream:
      return "token_wrong_stream";
    case AccessDecision::kPassRevoked:
      return "pass_revoked";
    case AccessDecision::kUnavailable:
      return "unavailable";
  }
  return "unavailable";
}

Responder::Responder(const HlsOriginOptions& options, const PlaybackAccess* access,
                     prometheus::Registry* registry, PlaylistWatch* watch,
                     media::ThumbnailSource* thumbnails)
    : access_(access),
      root_(options.root),
      cors_origin_(options.cors_origin),
      // One short max-age for media and master playlists alike. The media playlist changes
      // every segment; one second lets a CDN fold every viewer's poll into one origin fetch
      // per second while staying well under a target duration stale. The master playlist only
      // changes when an encoder reconnects with another format and players fetch it once, so
      // "no-cache" would buy nothing; keeping one rule also avoids coupling this server to
      // the packager's file names. ETags keep revalidation cheap either way.
      playlist_cache_control_(
          absl::StrCat("public, max-age=", absl::ToInt64Seconds(options.playlist_max_age))),
      // A blocking reload's answer is the right answer to its URL (query included) for good:
      // it lists the segment or part asked for, and the specification wants the whole
      // playlist even once that is no longer the last (RFC 8216bis 6.2.5.2). A shared cache
      // can keep it and hand it to every viewer asking for the same part, folding the crowd
      // into one origin request per part; the lifetime only bounds how stale a late player's
      // first answer can be.
      blocking_cache_control_(absl::StrCat(
          "public, max-age=", absl::ToInt64Seconds(options.blocking_playlist_max_age))),
      blocking_max_hold_(options.blocking_max_hold),
      default_target_duration_(options.default_target_duration),
      parts_playlist_name_(options.parts_playlist_name),
      watch_(watch),
      blocking_(watch == nullptr
                    ? nullptr
                    : std::make_unique<BlockingRequests>(*watch, options.max_parked, registry)) {
  if (thumbnails != nullptr) {
    ThumbnailRequestOptions to;
    to.max_age = options.thumbnail_max_age;
    to.wait = options.thumbnail_wait;
    to.max_waiting = options.max_thumbnail_waits;
    thumbnails_ = std::make_unique<ThumbnailRequests>(*thumbnails, to, registry);
  }
  if (registry == nullptr) return;
  auto& family = prometheus::BuildCounter()
                     .Name("hls_playback_refusals_total")
                     .Help("Requests of gated streams refused, by reason (no media byte sent)")
                     .Register(*registry);
  for (AccessDecision d : kRefusals) {
    refusals_[static_cast<size_t>(d)] = &family.Add({{"reason", std::string(DecisionLabel(d))}});
  }
  auto& deltas = prometheus::BuildCounter()
                     .Name("hls_delta_updates_total")
                     .Help("Playlist delta updates served for _HLS_skip, by the delta kind")
                     .Register(*registry);
  delta_updates_[0] = &deltas.Add({{"skip", "YES"}});
  delta_updates_[1] = &deltas.Add({{"skip", "v2"}});
}

void Responder::AddCommonHeaders(http::fields& fields) const {
  fields.set(http::field::access_control_allow_origin, Bv(cors_origin_));
  fields.set(http::field::access_control_expose_headers,
             "Content-Length, Content-Range, Accept-Ranges, ETag");
}

Reply Responder::Text(http::status status, const Request& request, std::string body,
                      ResourceKind kind) const {
  return http_files::TextReply(
      status, request, std::move(body), KindLabel(kind),
      [this](http::fields& f) { AddCommonHeaders(f); }, kAllowedMethods);
}

Reply Responder::Reject(http::status status, unsigned version) const {
  return http_files::RejectReply(status, version, [this](http::fields& f) { AddCommonHeaders(f); });
}

std::optional<Reply> Responder::Screen(const Request& request, HlsResource& resource,
                                       std::optional<std::string>& token) const {
  const http::verb method = request.method();
  if (method == http::verb::options) {
    // CORS preflight. Answered the same for every target: it reveals nothing about files.
    Reply reply;
    reply.status = static_cast<unsigned>(http::status::no_content);
    reply.keep_alive = request.keep_alive();
    http::response<http::empty_body> res{http::status::no_content, request.version()};
    res.set(http::field::date, http_files::HttpDate(absl::Now()));
    AddCommonHeaders(res);
    res.set(http::field::allow, Bv(kAllowedMethods));
    res.set(http::field::access_control_allow_methods, Bv(kAllowedMethods));
    res.set(http::field::access_control_allow_headers, "Range");
    res.set(http::field::access_control_max_age, Bv(kPreflightMaxAge));
    res.keep_alive(reply.keep_alive);
    reply.message = std::move(res);
    return reply;
  }
  if (method != http::verb::get && method != http::verb::head) {
    return Text(http::status::method_not_allowed, request, "method not allowed\n",
                ResourceKind::kOther);
  }
  if (request.version() >= 11 && request.find(http::field::host) == request.end()) {
    return Text(http::status::bad_request, request, "missing Host\n", ResourceKind::kOther);
  }
  std::optional<HlsResource> parsed = ParseHlsTarget(Std(request.target()));
  if (!parsed) return Text(http::status::not_found, request, "not found\n", ResourceKind::kOther);
  resource = std::move(*parsed);
  if (access_ != nullptr) {
    const std::optional<std::string_view> param = TokenParam(Std(request.target()));
    const AccessDecision decision = access_->Check(resource.stream_id, param);
    if (decision == AccessDecision::kAllowed) {
      token = std::string(*param);
    } else if (decision != AccessDecision::kOpen) {
      return Refuse(decision, request, resource);
    }
  }
  return std::nullopt;
}

Reply Responder::Serve(const Request& request, const HlsResource& resource,
                       const std::optional<std::string>& token,
                       std::string_view cache_control) const {
  if (token) return ServeGated(request, resource, *token);
  return ServeFile(request, resource, cache_control);
}

Reply Responder::Respond(const Request& request) const {
  HlsResource resource;
  std::optional<std::string> token;
  if (std::optional<Reply> early = Screen(request, resource, token)) return std::move(*early);
  return Serve(request, resource, token);
}

std::optional<Reply> Responder::RespondOrDefer(
    const Request& request, const std::shared_ptr<http_files::DeferredReply>& later) const {
  if (watch_ == nullptr && thumbnails_ == nullptr) return Respond(request);
  HlsResource resource;
  std::optional<std::string> token;
  // Access first: a request that is refused is never parked (nor rendered for).
  if (std::optional<Reply> early = Screen(request, resource, token)) return early;
  if (thumbnails_ != nullptr && resource.kind == ResourceKind::kImage && resource.rung.empty() &&
      resource.file_name == media::kThumbnailFile) {
    return ThumbnailRequest(request, resource, token, later);
  }
  if (watch_ == nullptr) return Serve(request, resource, token);
  if (resource.kind == ResourceKind::kPlaylist) {
    return PlaylistRequest(request, resource, token, later);
  }
  if (resource.kind == ResourceKind::kSegment) {
    if (auto part = media::ParsePartFileName(resource.file_name)) {
      return PartRequest(request, resource, token, part->first, part->second, later);
    }
  }
  return Serve(request, resource, token);
}

std::optional<Reply> Responder::PlaylistRequest(
    const Request& request, const HlsResource& resource, const std::optional<std::string>& token,
    const std::shared_ptr<http_files::DeferredReply>& later) const {
  DeliveryDirectives directives;
  switch (ParseDeliveryDirectives(Std(request.target()), directives)) {
    case DirectivesError::kOk:
      break;
    case DirectivesError::kMalformed:
      blocking_->Count(BlockingKind::kPlaylist, kOutcomeBadRequest);
      return Text(http::status::bad_request, request,
                  "malformed delivery directive (_HLS_msn, _HLS_part: decimal digits; "
                  "_HLS_skip: YES or v2)\n",
                  resource.kind);
    case DirectivesError::kPartWithoutMsn:
      blocking_->Count(BlockingKind::kPlaylist, kOutcomeBadRequest);
      return Text(http::status::bad_request, request, "_HLS_part requires _HLS_msn\n",
                  resource.kind);
  }
  if (!directives.msn) {
    if (!directives.skip) return ServeLivePlaylist(request, resource, token);
    // A delta update without blocking: only of a playlist live here (an ended or unknown one
    // gets the whole playlist, as the specification wants once EXT-X-ENDLIST is there).
    const std::optional<PlaylistWatch::Progress> now =
        watch_->Current(resource.stream_id, resource.path());
    if (!now || now->ended) return ServeLivePlaylist(request, resource, token);
    return ServeBlockingPlaylist(request, resource, token, directives, /*blocking=*/false);
  }
  BlockingRequests::ParkRequest park;
  park.stream_id = resource.stream_id;
  park.playlist_name = resource.path();
  park.wanted = PlaylistWatch::Wanted{*directives.msn, directives.part};
  park.kind = BlockingKind::kPlaylist;
  park.hold_for = [this, stream_id = resource.stream_id, name = resource.path()](
                      int64_t target_seconds) { return HoldFor(stream_id, name, target_seconds); };
  // Read after the wake, so the answer lists what was asked for.
  park.answer = [this, request, resource, token, directives](WaitEnd end) -> Reply {
    switch (end) {
      case WaitEnd::kSatisfied:
        return ServeBlockingPlaylist(request, resource, token, directives, /*blocking=*/true);
      case WaitEnd::kTimedOut:
        return Unavailable(request, resource.kind,
                           "the playlist did not reach the requested segment in time\n", 0, false);
      case WaitEnd::kGone:
        return Unavailable(request, resource.kind, "the stream is no longer live here\n", 1, false);
      case WaitEnd::kShutdown:
        break;
    }
    return Unavailable(request, resource.kind, "shutting down\n", 1, true);
  };
  switch (blocking_->Park(later, std::move(park))) {
    case BlockingRequests::ParkOutcome::kParked:
      return std::nullopt;
    case BlockingRequests::ParkOutcome::kUnknown:
      // Not live on this replica: served as it always was.
      return Serve(request, resource, token);
    case BlockingRequests::ParkOutcome::kReady:
      blocking_->Count(BlockingKind::kPlaylist, kOutcomeReady);
      return ServeBlockingPlaylist(request, resource, token, directives, /*blocking=*/true);
    case BlockingRequests::ParkOutcome::kTooFarAhead:
      blocking_->Count(BlockingKind::kPlaylist, kOutcomeTooFar);
      return Text(http::status::bad_request, request,
                  "_HLS_msn is more than two segments beyond the playlist, or _HLS_part at the "
                  "Advance Part Limit beyond its last part (RFC 8216bis 6.2.5.2)\n",
                  resource.kind);
    case BlockingRequests::ParkOutcome::kOverCapacity:
      blocking_->Count(BlockingKind::kPlaylist, kOutcomeOverCapacity);
      return Unavailable(request, resource.kind, "too many blocking requests\n", 1, false);
  }
  return Serve(request, resource, token);
}

std::optional<Reply> Responder::PartRequest(
    const Request& request, const HlsResource& resource, const std::optional<std::string>& token,
    int64_t msn, int part, const std::shared_ptr<http_files::DeferredReply>& later) const {
  // In memory (the packager writes no part files then): served from there.
  if (std::shared_ptr<const media::PartData> data = PartInMemory(resource)) {
    return ServePartData(request, resource, token, *data);
  }
  // Written once, never changed: a part that is there is served like any segment.
  {
    absl::StatusOr<http_files::OpenFile> opened =
        OpenStreamFile(root_, resource.stream_id, resource.path());
    if (opened.ok()) {
      ::close(opened->fd);
      return Serve(request, resource, token);
    }
    if (!absl::IsNotFound(opened.status())) return OpenFailed(opened.status(), request, resource);
  }
  BlockingRequests::ParkRequest park;
  park.stream_id = resource.stream_id;
  park.playlist_name = resource.path(parts_playlist_name_);
  park.wanted = PlaylistWatch::Wanted{msn, part};
  park.kind = BlockingKind::kPart;
  park.hold_for = [this, stream_id = resource.stream_id,
                   name = resource.path(parts_playlist_name_)](int64_t target_seconds) {
    return HoldFor(stream_id, name, target_seconds);
  };
  // Listed means written; a part the segment ended without (the hint was not kept) is 404.
  park.answer = [this, request, resource, token](WaitEnd end) -> Reply {
    switch (end) {
      case WaitEnd::kSatisfied:
        return ServePart(request, resource, token);
      case WaitEnd::kTimedOut:
        return Unavailable(request, resource.kind, "the part was not written in time\n", 0, false);
      case WaitEnd::kGone:
        return Unavailable(request, resource.kind, "the stream is no longer live here\n", 1, false);
      case WaitEnd::kShutdown:
        break;
    }
    return Unavailable(request, resource.kind, "shutting down\n", 1, true);
  };
  switch (blocking_->Park(later, std::move(park))) {
    case BlockingRequests::ParkOutcome::kParked:
      return std::nullopt;
    case BlockingRequests::ParkOutcome::kReady:
      // Listed since the look above: there now, or never coming (404).
      blocking_->Count(BlockingKind::kPart, kOutcomeReady);
      return ServePart(request, resource, token);
    case BlockingRequests::ParkOutcome::kUnknown:
      return Serve(request, resource, token);
    case BlockingRequests::ParkOutcome::kTooFarAhead:
      // Not what the playlist hints: not found, at once (RFC 8216bis 6.2.6).
      blocking_->Count(BlockingKind::kPart, kOutcomeTooFar);
      return Text(http::status::not_found, request, "not found\n", resource.kind);
    case BlockingRequests::ParkOutcome::kOverCapacity:
      blocking_->Count(BlockingKind::kPart, kOutcomeOverCapacity);
      return Unavailable(request, resource.kind, "too many blocking requests\n", 1, false);
  }
  return Serve(request, resource, token);
}

std::shared_ptr<const media::PartData> Responder::PartInMemory(const HlsResource& resource) const {
  const std::optional<PlaylistWatch::Progress> live =
      watch_->Current(resource.stream_id, resource.path(parts_playlist_name_));
  if (!live || !live->snapshot) return nullptr;
  return live->snapshot->FindPart(resource.file_name);
}

Reply Responder::ServePart(const Request& request, const HlsResource& resource,
                           const std::optional<std::string>& token) const {
  if (std::shared_ptr<const media::PartData> data = PartInMemory(resource)) {
    return ServePartData(request, resource, token, *data);
  }
  return Serve(request, resource, token);
}

Reply Responder::ServePartData(const Request& request, const HlsResource& resource,
                               const std::optional<std::string>& token,
                               const media::PartData& data) const {
  http_files::FileMeta meta;
  meta.content_type = resource.content_type;
  meta.etag = absl::StrFormat("\"%x-%x\"", data.bytes.size(),
                              static_cast<uint64_t>(absl::ToUnixNanos(data.made)));
  meta.last_modified = http_files::HttpDate(data.made);
  meta.cache_control = token ? kGatedPartCacheControl : kPartCacheControl;
  meta.kind = KindLabel(resource.kind);
  return http_files::ServeBytes(request, data.bytes, meta,
                                [this](http::fields& f) { AddCommonHeaders(f); });
}

Reply Responder::ServeLivePlaylist(const Request& request, const HlsResource& resource,
                                   const std::optional<std::string>& token) const {
  const std::optional<PlaylistWatch::Progress> live =
      watch_->Current(resource.stream_id, resource.path());
  if (!live || !live->snapshot) return Serve(request, resource, token);
  return ServeSnapshotText(request, resource, token, live->snapshot->text, live->snapshot->made);
}

Reply Responder::ServeSnapshotText(const Request& request, const HlsResource& resource,
                                   const std::optional<std::string>& token, std::string text,
                                   absl::Time made, std::string_view cache_control) const {
  if (token) return GatedPlaylist(request, resource, text, *token);
  http_files::FileMeta meta;
  meta.content_type = resource.content_type;
  // Size + nanosecond time made, as a file's size + mtime: a new version changes both.
  meta.etag =
      absl::StrFormat("\"%x-%x\"", text.size(), static_cast<uint64_t>(absl::ToUnixNanos(made)));
  meta.last_modified = http_files::HttpDate(made);
  meta.cache_control =
      cache_control.empty() ? std::string_view(playlist_cache_control_) : cache_control;
  meta.kind = KindLabel(resource.kind);
  return http_files::ServeBytes(request, std::move(text), meta,
                                [this](http::fields& f) { AddCommonHeaders(f); });
}

Reply Responder::ServeBlockingPlaylist(const Request& request, const HlsResource& resource,
                                       const std::optional<std::string>& token,
                                       const DeliveryDirectives& directives, bool blocking) const {
  const std::string_view cache = blocking ? std::string_view(blocking_cache_control_) : "";
  const std::optional<PlaylistWatch::Progress> live =
      watch_->Current(resource.stream_id, resource.path());
  if (live && live->snapshot) {
    // The version the writer reported, from memory: as new as the progress that woke us, and
    // no file is read (with PlaylistFiles::kSegments the file holds only whole segments).
    const media::PlaylistSnapshot& snapshot = *live->snapshot;
    if (directives.skip && !live->ended) {
      const bool v2 = directives.skip_dateranges && !snapshot.skip_v2.empty();
      const std::string& delta = v2 ? snapshot.skip_v2 : snapshot.skip;
      if (!delta.empty()) {
        if (prometheus::Counter* c = delta_updates_[v2 ? 1 : 0]; c != nullptr) c->Increment();
        return ServeSnapshotText(request, resource, token, delta, snapshot.made, cache);
      }
    }
    return ServeSnapshotText(request, resource, token, snapshot.text, snapshot.made, cache);
  }
  if (directives.skip) {
    // The delta update when the packager wrote one (it writes it before the full playlist,
    // so it is as new as what the watch reported): for v2 the one that skips old date ranges
    // too, else (or when there is none) the one for YES; the whole playlist otherwise.
    const std::optional<PlaylistWatch::Progress> now =
        watch_->Current(resource.stream_id, resource.path());
    if (now && !now->ended) {
      std::vector<std::string> names;
      if (directives.skip_dateranges)
        names.push_back(media::SkipV2PlaylistName(resource.file_name));
      names.push_back(media::SkipPlaylistName(resource.file_name));
      for (std::string& name : names) {
        HlsResource delta = resource;
        delta.file_name = std::move(name);
        absl::StatusOr<http_files::OpenFile> opened =
            OpenStreamFile(root_, delta.stream_id, delta.path());
        if (opened.ok()) {
          ::close(opened->fd);
          const bool v2 = delta.file_name == media::SkipV2PlaylistName(resource.file_name);
          if (prometheus::Counter* c = delta_updates_[v2 ? 1 : 0]; c != nullptr) c->Increment();
          return Serve(request, delta, token, cache);
        }
      }
    }
  }
  return Serve(request, resource, token, cache);
}

absl::Duration Responder::HoldFor(const std::string& stream_id, const std::string& playlist_name,
                                  int64_t target_seconds) const {
  if (target_seconds <= 0) {
    const std::optional<PlaylistWatch::Progress> live = watch_->Current(stream_id, playlist_name);
    target_seconds = live && live->snapshot ? ParseTargetSeconds(live->snapshot->text)
                                            : ReadTargetSeconds(root_, stream_id, playlist_name);
    if (target_seconds > 0) watch_->NoteTargetSeconds(stream_id, playlist_name, target_seconds);
  }
  const absl::Duration target =
      target_seconds > 0 ? absl::Seconds(target_seconds) : default_target_duration_;
  return std::min(3 * target, blocking_max_hold_);
}

Reply Responder::Unavailable(const Request& request, ResourceKind kind, std::string body,
                             int retry_after, bool close) const {
  Reply reply = Text(http::status::service_unavailable, request, std::move(body), kind);
  std::visit(
      [&](auto& m) {
        if (retry_after > 0) m.set(http::field::retry_after, std::to_string(retry_after));
        if (close) m.keep_alive(false);
      },
      reply.message);
  if (close) reply.keep_alive = false;
  return reply;
}

void Responder::StopParking(absl::Duration grace) const {
  if (blocking_) blocking_->Shutdown(grace);
  if (thumbnails_) thumbnails_->Shutdown(grace);
}

std::optional<Reply> Responder::ThumbnailRequest(
    const Request& request, const HlsResource& resource, const std::optional<std::string>& token,
    const std::shared_ptr<http_files::DeferredReply>& later) const {
  std::optional<absl::Time> mtime;
  {
    absl::StatusOr<http_files::OpenFile> opened =
        OpenStreamFile(root_, resource.stream_id, resource.path());
    if (opened.ok()) {
      mtime = opened->mtime;
      ::close(opened->fd);
    } else if (!absl::IsNotFound(opened.status())) {
      return OpenFailed(opened.status(), request, resource);
    }
  }
  ThumbnailRequests::Answer answer;
  answer.serve = [this, request, resource, token] { return Serve(request, resource, token); };
  answer.unavailable = [this, request, kind = resource.kind](std::string body, int retry_after,
                                                             bool close) {
    return Unavailable(request, kind, std::move(body), retry_after, close);
  };
  return thumbnails_->Handle(later, resource.stream_id, mtime, std::move(answer));
}

Reply Responder::Refuse(AccessDecision decision, const Request& request,
                        const HlsResource& resource) const {
  if (prometheus::Counter* c = refusals_[static_cast<size_t>(decision)]; c != nullptr) {
    c->Increment();
  }
  if (decision == AccessDecision::kUnavailable) {
    log::Warn("hls_access_unavailable").Kv("stream_id", resource.stream_id);
    return Text(http::status::service_unavailable, request, "unavailable\n", resource.kind);
  }
  const bool missing = decision == AccessDecision::kTokenMissing;
  Reply reply = Text(missing ? http::status::unauthorized : http::status::forbidden, request,
                     absl::StrCat(missing ? "playback token required: " : "playback refused: ",
                                  std::string(DecisionLabel(decision)), "\n"),
                     resource.kind);
  if (missing) {
    // RFC 9110 asks a 401 to name a scheme; ours is the `token` query parameter.
    std::visit([](auto& m) { m.set(http::field::www_authenticate, "ShopcastPlaybackToken"); },
               reply.message);
  }
  return reply;
}

Reply Responder::ServeGated(const Request& request, const HlsResource& resource,
                            std::string_view token) const {
  absl::StatusOr<http_files::OpenFile> opened =
      OpenStreamFile(root_, resource.stream_id, resource.path());
  if (!opened.ok()) return OpenFailed(opened.status(), request, resource);
  if (resource.kind != ResourceKind::kPlaylist) {
    http_files::FileMeta meta;
    meta.content_type = resource.content_type;
    meta.etag = absl::StrFormat("\"%x-%x\"", opened->size,
                                static_cast<uint64_t>(absl::ToUnixNanos(opened->mtime)));
    meta.last_modified = http_files::HttpDate(opened->mtime);
    meta.cache_control = resource.kind != ResourceKind::kSegment ? kGatedPlaylistCacheControl
                         : IsPart(resource)                      ? kGatedPartCacheControl
                                                                 : kGatedSegmentCacheControl;
    meta.kind = KindLabel(resource.kind);
    return http_files::ServeFile(request, *opened, meta,
                                 [this](http::fields& f) { AddCommonHeaders(f); });
  }
  absl::StatusOr<std::string> text = ReadAll(opened->fd, opened->size);
  if (!text.ok()) return OpenFailed(text.status(), request, resource);
  return GatedPlaylist(request, resource, *text, token);
}

Reply Responder::GatedPlaylist(const Request& request, const HlsResource& resource,
                               std::string_view text, std::string_view token) const {
  std::string body = AddTokenToUris(text, token);
  Reply reply;
  reply.kind = KindLabel(resource.kind);
  reply.status = static_cast<unsigned>(http::status::ok);
  reply.keep_alive = request.keep_alive();
  const size_t length = body.size();
  auto fill = [&](auto& res) {
    res.set(http::field::date, http_files::HttpDate(absl::Now()));
    AddCommonHeaders(res);
    res.set(http::field::content_type, Bv(resource.content_type));
    res.set(http::field::cache_control, Bv(kGatedPlaylistCacheControl));
    res.keep_alive(reply.keep_alive);
  };
  if (request.method() == http::verb::head) {
    http::response<http::empty_body> res{http::status::ok, request.version()};
    fill(res);
    res.content_length(length);
    reply.message = std::move(res);
  } else {
    http::response<http::string_body> res{http::status::ok, request.version()};
    fill(res);
    res.body() = std::move(body);
    res.prepare_payload();
    reply.message = std::move(res);
  }
  return reply;
}

Reply Responder::OpenFailed(const absl::Status& status, const Request& request,
                            const HlsResource& resource) const {
  if (absl::IsNotFound(status)) {
    return Text(http::status::not_found, request, "not found\n", resource.kind);
  }
  log::Error("hls_file_open_failed")
      .Kv("stream_id", resource.stream_id)
      .Kv("file", resource.path())
      .Kv("error", std::string(status.message()));
  return Text(http::status::service_unavailable, request, "unavailable\n", resource.kind);
}

Reply Responder::ServeFile(const Request& request, const HlsResource& resource,
                           std::string_view cache_control) const {
  // One validated component at a time, never following a symlink at the stream or file level,
  // so nothing outside the root can be reached even if one is planted there.
  absl::StatusOr<http_files::OpenFile> opened =
      OpenStreamFile(root_, resource.stream_id, resource.path());
  if (!opened.ok()) return OpenFailed(opened.status(), request, resource);
  const http_files::OpenFile& file = *opened;
  http_files::FileMeta meta;
  meta.content_type = resource.content_type;
  // Size + nanosecond mtime: the packager replaces a playlist by rename, which changes both.
  meta.etag =
      absl::StrFormat("\"%x-%x\"", file.size, static_cast<uint64_t>(absl::ToUnixNanos(file.mtime)));
  meta.last_modified = http_files::HttpDate(file.mtime);
  meta.cache_control = resource.kind != ResourceKind::kSegment ? playlist_cache_control_
                       : IsPart(resource)                      ? kPartCacheControl
                                                               : kSegmentCacheControl;
  if (!cache_control.empty() && resource.kind == ResourceKind::kPlaylist) {
    meta.cache_control = cache_control;
  }
  meta.kind = KindLabel(resource.kind);
  return http_files::ServeFile(request, file, meta,
                               [this](http::fields& f) { AddCommonHeaders(f); });
}

}  // namespace shopcast::video_ingest::hls
