#include "hls/responder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hls/byte_range.h"
#include "shopcast/log/log.h"

namespace shopcast::video_ingest::hls {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;

constexpr std::string_view kAllowedMethods = "GET, HEAD, OPTIONS";
// Segments are written once under a name never reused, so any cache may keep them forever.
constexpr std::string_view kSegmentCacheControl = "public, max-age=31536000, immutable";
// Errors must not stick in a CDN: a segment that is 404 now exists a second later.
constexpr std::string_view kErrorCacheControl = "no-store";
constexpr std::string_view kPreflightMaxAge = "86400";

std::string_view Std(beast::string_view s) { return std::string_view(s.data(), s.size()); }
beast::string_view Bv(std::string_view s) { return beast::string_view(s.data(), s.size()); }

std::string HttpDate(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// If-None-Match uses the weak comparison (RFC 9110 §13.1.2): "W/" is ignored on both sides.
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  while (true) {
    const size_t comma = header.find(',');
    std::string_view tag = TrimOws(header.substr(0, comma));
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (!tag.empty() && tag == etag) return true;
    if (comma == std::string_view::npos) return false;
    header.remove_prefix(comma + 1);
  }
}

// Owns a descriptor until released.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// errno values that mean "no such file for this request" rather than a server fault.
bool IsNotFoundErrno(int err) {
  return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EACCES || err == ENAMETOOLONG ||
         err == ENXIO;
}

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
  fields.set(http::field::date, HttpDate(absl::Now()));
  fields.set(http::field::access_control_allow_origin, Bv(cors_origin_));
  fields.set(http::field::access_control_expose_headers,
             "Content-Length, Content-Range, Accept-Ranges, ETag");
}

Reply Responder::Text(http::status status, const Request& request, std::string body,
                      ResourceKind kind) const {
  Reply reply;
  reply.kind = kind;
  reply.status = static_cast<unsigned>(status);
  reply.keep_alive = request.keep_alive();
  const size_t length = body.size();
  auto fill = [&](auto& res) {
    AddCommonHeaders(res);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, Bv(kErrorCacheControl));
    if (status == http::status::method_not_allowed)
      res.set(http::field::allow, Bv(kAllowedMethods));
    res.keep_alive(reply.keep_alive);
  };
  if (request.method() == http::verb::head) {
    http::response<http::empty_body> res{status, request.version()};
    fill(res);
    res.content_length(length);
    reply.message = std::move(res);
  } else {
    http::response<http::string_body> res{status, request.version()};
    fill(res);
    res.body() = std::move(body);
    res.prepare_payload();
    reply.message = std::move(res);
  }
  return reply;
}

Reply Responder::Reject(http::status status, unsigned version) const {
  Request request{http::verb::get, "/", version};
  request.keep_alive(false);
  return Text(status, request, std::string(Std(http::obsolete_reason(status))) + "\n",
              ResourceKind::kOther);
}

Reply Responder::Respond(const Request& request) const {
  const http::verb method = request.method();
  if (method == http::verb::options) {
    // CORS preflight. Answered the same for every target: it reveals nothing about files.
    Reply reply;
    reply.status = static_cast<unsigned>(http::status::no_content);
    reply.keep_alive = request.keep_alive();
    http::response<http::empty_body> res{http::status::no_content, request.version()};
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

Reply Responder::OpenFailed(int err, const Request& request, const HlsResource& resource) const {
  if (IsNotFoundErrno(err)) {
    return Text(http::status::not_found, request, "not found\n", resource.kind);
  }
  log::Error("hls_file_open_failed")
      .Kv("stream_id", resource.stream_id)
      .Kv("file", resource.file_name)
      .Kv("error", std::strerror(err));
  return Text(http::status::service_unavailable, request, "unavailable\n", resource.kind);
}

Reply Responder::ServeFile(const Request& request, const HlsResource& resource) const {
  // openat() one validated component at a time, never following a symlink at the stream or
  // file level, so nothing outside the root can be reached even if one is planted there.
  // O_NONBLOCK keeps a planted FIFO from blocking the I/O thread; S_ISREG rejects it below.
  Fd root(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) {
    const int err = errno;
    log::Error("hls_root_unavailable").Kv("error", std::strerror(err));
    return Text(http::status::service_unavailable, request, "unavailable\n", resource.kind);
  }
  Fd dir(::openat(root.get(), resource.stream_id.c_str(),
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir.get() < 0) return OpenFailed(errno, request, resource);
  Fd file(::openat(dir.get(), resource.file_name.c_str(),
                   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0) return OpenFailed(errno, request, resource);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Text(http::status::not_found, request, "not found\n", resource.kind);
  }

  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const absl::Time mtime = absl::TimeFromTimespec(st.st_mtim);
  // Size + nanosecond mtime: the packager replaces a playlist by rename, which changes both.
  const std::string etag =
      absl::StrFormat("\"%x-%x\"", size, static_cast<uint64_t>(absl::ToUnixNanos(mtime)));
  const std::string last_modified = HttpDate(mtime);
  const std::string_view cache_control =
      resource.kind == ResourceKind::kSegment ? kSegmentCacheControl : playlist_cache_control_;

  Reply reply;
  reply.kind = resource.kind;
  reply.keep_alive = request.keep_alive();
  auto fill = [&](auto& res) {
    AddCommonHeaders(res);
    res.set(http::field::etag, Bv(etag));
    res.set(http::field::last_modified, Bv(last_modified));
    res.set(http::field::cache_control, Bv(cache_control));
    res.keep_alive(reply.keep_alive);
  };

  const auto if_none_match = request.find(http::field::if_none_match);
  if (if_none_match != request.end() && NoneMatchHits(Std(if_none_match->value()), etag)) {
    http::response<http::empty_body> res{http::status::not_modified, request.version()};
    fill(res);
    reply.status = static_cast<unsigned>(http::status::not_modified);
    reply.message = std::move(res);
    return reply;
  }

  // Range applies to GET only (RFC 9110 §14.2), and If-Range must name the current version.
  RangeDecision range;
  const auto range_field = request.find(http::field::range);
  if (request.method() == http::verb::get && range_field != request.end()) {
    const auto if_range = request.find(http::field::if_range);
    const bool current = if_range == request.end() || Std(if_range->value()) == etag ||
                         Std(if_range->value()) == last_modified;
    if (current) range = EvaluateRange(Std(range_field->value()), size);
  }

  if (range.outcome == RangeOutcome::kUnsatisfiable) {
    http::response<http::empty_body> res{http::status::range_not_satisfiable, request.version()};
    fill(res);
    res.set(http::field::cache_control, Bv(kErrorCacheControl));
    res.set(http::field::content_range, absl::StrCat("bytes */", size));
    res.content_length(0);
    reply.status = static_cast<unsigned>(http::status::range_not_satisfiable);
    reply.message = std::move(res);
    return reply;
  }

  const http::status status =
      range.outcome == RangeOutcome::kPartial ? http::status::partial_content : http::status::ok;
  reply.status = static_cast<unsigned>(status);
  if (request.method() == http::verb::head) {
    http::response<http::empty_body> res{status, request.version()};
    fill(res);
    res.set(http::field::content_type, Bv(resource.content_type));
    res.set(http::field::accept_ranges, "bytes");
    res.content_length(size);
    reply.message = std::move(res);
    return reply;
  }

  // The descriptor pins the inode: a playlist renamed over mid-response still reads whole.
  RangedFile body_file;
  body_file.Adopt(file.release());
  beast::error_code ec;
  if (range.outcome == RangeOutcome::kPartial) {
    body_file.Restrict(range.first, range.last - range.first + 1, ec);
  }
  http::response<FileBody> res{status, request.version()};
  if (!ec) res.body().reset(std::move(body_file), ec);
  if (ec) {
    log::Error("hls_file_read_failed")
        .Kv("stream_id", resource.stream_id)
        .Kv("file", resource.file_name)
        .Kv("error", ec.message());
    return Text(http::status::service_unavailable, request, "unavailable\n", resource.kind);
  }
  fill(res);
  res.set(http::field::content_type, Bv(resource.content_type));
  res.set(http::field::accept_ranges, "bytes");
  if (range.outcome == RangeOutcome::kPartial) {
    res.set(http::field::content_range,
            absl::StrCat("bytes ", range.first, "-", range.last, "/", size));
  }
  res.prepare_payload();
  reply.message = std::move(res);
  return reply;
}

}  // namespace shopcast::video_ingest::hls
