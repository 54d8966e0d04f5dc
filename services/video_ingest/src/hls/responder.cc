#include "hls/responder.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "hls/playlist_rewrite.h"
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
// Our playlists are a few KiB; anything far larger is not one we wrote.
constexpr uint64_t kMaxRewrittenPlaylistBytes = 1 << 20;

constexpr AccessDecision kRefusals[] = {
    AccessDecision::kTokenMissing,     AccessDecision::kTokenMalformed,
    AccessDecision::kTokenForged,      AccessDecision::kTokenExpired,
    AccessDecision::kTokenWrongStream, AccessDecision::kPassRevoked,
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
                     prometheus::Registry* registry)
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
          absl::StrCat("public, max-age=", absl::ToInt64Seconds(options.playlist_max_age))) {
  if (registry == nullptr) return;
  auto& family = prometheus::BuildCounter()
                     .Name("hls_playback_refusals_total")
                     .Help("Requests of gated streams refused, by reason (no media byte sent)")
                     .Register(*registry);
  for (AccessDecision d : kRefusals) {
    refusals_[static_cast<size_t>(d)] = &family.Add({{"reason", std::string(DecisionLabel(d))}});
  }
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
  return http_files::RejectReply(status, version,
                                 [this](http::fields& f) { AddCommonHeaders(f); });
}

Reply Responder::Respond(const Request& request) const {
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
  const std::optional<HlsResource> resource = ParseHlsTarget(Std(request.target()));
  if (!resource) return Text(http::status::not_found, request, "not found\n", ResourceKind::kOther);
  if (access_ != nullptr) {
    const std::optional<std::string_view> token = TokenParam(Std(request.target()));
    const AccessDecision decision = access_->Check(resource->stream_id, token);
    if (decision == AccessDecision::kAllowed) return ServeGated(request, *resource, *token);
    if (decision != AccessDecision::kOpen) return Refuse(decision, request, *resource);
  }
  return ServeFile(request, *resource);
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
      http_files::OpenUnderRoot(root_, {resource.stream_id, resource.file_name});
  if (!opened.ok()) return OpenFailed(opened.status(), request, resource);
  if (resource.kind != ResourceKind::kPlaylist) {
    http_files::FileMeta meta;
    meta.content_type = resource.content_type;
    meta.etag = absl::StrFormat("\"%x-%x\"", opened->size,
                                static_cast<uint64_t>(absl::ToUnixNanos(opened->mtime)));
    meta.last_modified = http_files::HttpDate(opened->mtime);
    meta.cache_control = resource.kind == ResourceKind::kSegment ? kGatedSegmentCacheControl
                                                                 : kGatedPlaylistCacheControl;
    meta.kind = KindLabel(resource.kind);
    return http_files::ServeFile(request, *opened, meta,
                                 [this](http::fields& f) { AddCommonHeaders(f); });
  }
  absl::StatusOr<std::string> text = ReadAll(opened->fd, opened->size);
  if (!text.ok()) return OpenFailed(text.status(), request, resource);
  std::string body = AddTokenToUris(*text, token);
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
      .Kv("file", resource.file_name)
      .Kv("error", std::string(status.message()));
  return Text(http::status::service_unavailable, request, "unavailable\n", resource.kind);
}

Reply Responder::ServeFile(const Request& request, const HlsResource& resource) const {
  // One validated component at a time, never following a symlink at the stream or file level,
  // so nothing outside the root can be reached even if one is planted there.
  absl::StatusOr<http_files::OpenFile> opened =
      http_files::OpenUnderRoot(root_, {resource.stream_id, resource.file_name});
  if (!opened.ok()) return OpenFailed(opened.status(), request, resource);
  const http_files::OpenFile& file = *opened;
  http_files::FileMeta meta;
  meta.content_type = resource.content_type;
  // Size + nanosecond mtime: the packager replaces a playlist by rename, which changes both.
  meta.etag = absl::StrFormat("\"%x-%x\"", file.size,
                              static_cast<uint64_t>(absl::ToUnixNanos(file.mtime)));
  meta.last_modified = http_files::HttpDate(file.mtime);
  meta.cache_control =
      resource.kind == ResourceKind::kSegment ? kSegmentCacheControl : playlist_cache_control_;
  meta.kind = KindLabel(resource.kind);
  return http_files::ServeFile(request, file, meta,
                               [this](http::fields& f) { AddCommonHeaders(f); });
}

}  // namespace shopcast::video_ingest::hls
