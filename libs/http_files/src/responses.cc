#include "shopcast/http_files/responses.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shopcast/http_files/byte_range.h"
#include "shopcast/log/log.h"

namespace shopcast::http_files {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;

std::string_view Std(beast::string_view s) { return std::string_view(s.data(), s.size()); }
beast::string_view Bv(std::string_view s) { return beast::string_view(s.data(), s.size()); }

// errno values that mean "no such file for this request" rather than a server fault.
bool IsNotFoundErrno(int err) {
  return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EACCES || err == ENAMETOOLONG ||
         err == ENXIO;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
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
  void Reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

}  // namespace

std::string HttpDate(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
}

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

Reply TextReply(http::status status, const Request& request, std::string body,
                std::string_view kind, HeaderFn add_headers, std::string_view allow) {
  Reply reply;
  reply.kind = kind;
  reply.status = static_cast<unsigned>(status);
  reply.keep_alive = request.keep_alive();
  const size_t length = body.size();
  auto fill = [&](auto& res) {
    res.set(http::field::date, HttpDate(absl::Now()));
    add_headers(res);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, Bv(kErrorCacheControl));
    if (status == http::status::method_not_allowed && !allow.empty()) {
      res.set(http::field::allow, Bv(allow));
    }
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

// What every answer about a file carries (200, 206, 304, 416): the date, the caller's headers,
// the validators and the caching policy.
template <class Response>
void SetFileHeaders(Response& res, const FileMeta& meta, HeaderFn add_headers, bool keep_alive) {
  res.set(http::field::date, HttpDate(absl::Now()));
  add_headers(res);
  res.set(http::field::etag, Bv(meta.etag));
  if (!meta.last_modified.empty()) res.set(http::field::last_modified, Bv(meta.last_modified));
  res.set(http::field::cache_control, Bv(meta.cache_control));
  res.keep_alive(keep_alive);
}

Reply RejectReply(http::status status, unsigned version, HeaderFn add_headers) {
  Request request{http::verb::get, "/", version};
  request.keep_alive(false);
  return TextReply(status, request, std::string(Std(http::obsolete_reason(status))) + "\n", "other",
                   add_headers);
}

absl::StatusOr<OpenFile> OpenUnderRoot(const std::string& root,
                                       std::initializer_list<std::string_view> components) {
  Fd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    return absl::UnavailableError(absl::StrCat("root unavailable: ", std::strerror(errno)));
  }
  if (components.size() == 0) return absl::NotFoundError("no file named");
  size_t left = components.size();
  for (std::string_view component : components) {
    const std::string name(component);
    --left;
    // O_NONBLOCK keeps a planted FIFO from blocking the I/O thread; S_ISREG rejects it below.
    const int flags = left > 0 ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
                               : O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    Fd next(::openat(dir.get(), name.c_str(), flags));
    if (next.get() < 0) {
      const int err = errno;
      if (IsNotFoundErrno(err)) return absl::NotFoundError("no such file");
      return absl::UnavailableError(absl::StrCat("open failed: ", std::strerror(err)));
    }
    if (left > 0) {
      dir.Reset(next.release());
      continue;
    }
    struct stat st {};
    if (::fstat(next.get(), &st) != 0) {
      return absl::UnavailableError(absl::StrCat("fstat failed: ", std::strerror(errno)));
    }
    if (!S_ISREG(st.st_mode)) return absl::NotFoundError("not a regular file");
    OpenFile out;
    out.size = static_cast<uint64_t>(st.st_size);
    out.mtime = absl::TimeFromTimespec(st.st_mtim);
    out.fd = next.release();
    return out;
  }
  return absl::NotFoundError("no file named");  // Unreachable: components is not empty.
}

namespace {

// What ServeFile and ServeBytes share: the reply's headers, and the answers that send no body
// (304, 416, HEAD). Returns the reply when one of those answers the request; otherwise leaves
// `range` and `status` for the body to be sent.
struct BodyPlan {
  Reply reply;
  RangeDecision range;
  http::status status = http::status::ok;
  bool done = false;
};

template <typename Fill>
BodyPlan PlanBody(const Request& request, uint64_t size, const FileMeta& meta, Fill& fill) {
  BodyPlan plan;
  Reply& reply = plan.reply;
  reply.kind = meta.kind;
  reply.keep_alive = request.keep_alive();

  const auto if_none_match = request.find(http::field::if_none_match);
  if (if_none_match != request.end() && NoneMatchHits(Std(if_none_match->value()), meta.etag)) {
    http::response<http::empty_body> res{http::status::not_modified, request.version()};
    fill(res);
    reply.status = static_cast<unsigned>(http::status::not_modified);
    reply.message = std::move(res);
    plan.done = true;
    return plan;
  }

  // Range applies to GET only (RFC 9110 §14.2), and If-Range must name the current version.
  const auto range_field = request.find(http::field::range);
  if (request.method() == http::verb::get && range_field != request.end()) {
    const auto if_range = request.find(http::field::if_range);
    const bool current =
        if_range == request.end() || Std(if_range->value()) == meta.etag ||
        (!meta.last_modified.empty() && Std(if_range->value()) == meta.last_modified);
    if (current) plan.range = EvaluateRange(Std(range_field->value()), size);
  }

  if (plan.range.outcome == RangeOutcome::kUnsatisfiable) {
    http::response<http::empty_body> res{http::status::range_not_satisfiable, request.version()};
    fill(res);
    res.set(http::field::cache_control, Bv(kErrorCacheControl));
    res.set(http::field::content_range, absl::StrCat("bytes */", size));
    res.content_length(0);
    reply.status = static_cast<unsigned>(http::status::range_not_satisfiable);
    reply.message = std::move(res);
    plan.done = true;
    return plan;
  }

  plan.status = plan.range.outcome == RangeOutcome::kPartial ? http::status::partial_content
                                                             : http::status::ok;
  reply.status = static_cast<unsigned>(plan.status);
  if (request.method() == http::verb::head) {
    http::response<http::empty_body> res{plan.status, request.version()};
    fill(res);
    res.set(http::field::content_type, Bv(meta.content_type));
    res.set(http::field::accept_ranges, "bytes");
    res.content_length(size);
    reply.message = std::move(res);
    plan.done = true;
  }
  return plan;
}

}  // namespace

Reply ServeBytes(const Request& request, std::string body, const FileMeta& meta,
                 HeaderFn add_headers) {
  const uint64_t size = body.size();
  const bool keep_alive = request.keep_alive();
  auto fill = [&](auto& res) { SetFileHeaders(res, meta, add_headers, keep_alive); };
  BodyPlan plan = PlanBody(request, size, meta, fill);
  if (plan.done) return std::move(plan.reply);
  if (plan.range.outcome == RangeOutcome::kPartial) {
    body = body.substr(plan.range.first, plan.range.last - plan.range.first + 1);
  }
  http::response<http::string_body> res{plan.status, request.version()};
  fill(res);
  res.set(http::field::content_type, Bv(meta.content_type));
  res.set(http::field::accept_ranges, "bytes");
  if (plan.range.outcome == RangeOutcome::kPartial) {
    res.set(http::field::content_range,
            absl::StrCat("bytes ", plan.range.first, "-", plan.range.last, "/", size));
  }
  res.body() = std::move(body);
  res.prepare_payload();
  plan.reply.message = std::move(res);
  return std::move(plan.reply);
}

Reply ServeFile(const Request& request, OpenFile file, const FileMeta& meta, HeaderFn add_headers) {
  Fd fd(file.fd);
  const uint64_t size = file.size;
  const bool keep_alive = request.keep_alive();
  auto fill = [&](auto& res) { SetFileHeaders(res, meta, add_headers, keep_alive); };
  BodyPlan plan = PlanBody(request, size, meta, fill);
  if (plan.done) return std::move(plan.reply);
  Reply reply = std::move(plan.reply);
  const RangeDecision range = plan.range;
  const http::status status = plan.status;

  // The descriptor pins the inode: a file renamed over mid-response still reads whole.
  RangedFile body_file;
  body_file.Adopt(fd.release());
  beast::error_code ec;
  if (range.outcome == RangeOutcome::kPartial) {
    body_file.Restrict(range.first, range.last - range.first + 1, ec);
  }
  http::response<FileBody> res{status, request.version()};
  if (!ec) res.body().reset(std::move(body_file), ec);
  if (ec) {
    log::Error("http_file_read_failed")
        .Kv("target", std::string(Std(request.target())))
        .Kv("error", ec.message());
    return TextReply(http::status::service_unavailable, request, "unavailable\n", meta.kind,
                     add_headers);
  }
  fill(res);
  res.set(http::field::content_type, Bv(meta.content_type));
  res.set(http::field::accept_ranges, "bytes");
  if (range.outcome == RangeOutcome::kPartial) {
    res.set(http::field::content_range,
            absl::StrCat("bytes ", range.first, "-", range.last, "/", size));
  }
  res.prepare_payload();
  reply.message = std::move(res);
  return reply;
}

}  // namespace shopcast::http_files
