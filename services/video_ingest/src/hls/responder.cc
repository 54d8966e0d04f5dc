#include "hls/responder.h"

#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
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

std::string_view Std(beast::string_view s) { return std::string_view(s.data(), s.size()); }
beast::string_view Bv(std::string_view s) { return beast::string_view(s.data(), s.size()); }

}  // namespace

Responder::Responder(const HlsOriginOptions& options)
    : root_(options.root),
      cors_origin_(options.cors_origin),
      // One short max-age for media and master playlists alike. The media playlist changes
      // every segment; one second lets a CDN fold every viewer's poll into one origin fetch
      // per second while staying well under a target duration stale. The master playlist only
      // changes when an encoder reconnects with another format and players fetch it once, so
      // "no-cache" would buy nothing; keeping one rule also avoids coupling this server to
      // the packager's file names. ETags keep revalidation cheap either way.
      playlist_cache_control_(
          absl::StrCat("public, max-age=", absl::ToInt64Seconds(options.playlist_max_age))) {}

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
  return ServeFile(request, *resource);
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
