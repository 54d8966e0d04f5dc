#pragma once

// Building blocks of a Handler that serves files: short text replies, conditional requests
// (If-None-Match), single byte ranges, HEAD, and opening a file under a root without ever
// leaving it. The caller decides names, content types and caching; this decides HTTP.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/http_files/reply.h"

namespace shopcast::http_files {

// Adds a handler's own headers (CORS, security headers, ...) to a response.
using HeaderFn = absl::FunctionRef<void(boost::beast::http::fields&)>;

// Errors must not stick in a cache: what is missing now may exist a second later.
inline constexpr std::string_view kErrorCacheControl = "no-store";

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string HttpDate(absl::Time t);

// True when an If-None-Match value names `etag` or is "*" (weak comparison, RFC 9110 §13.1.2).
bool NoneMatchHits(std::string_view header, std::string_view etag);

// A short text/plain response with Cache-Control: no-store (a body-less one for HEAD); 405 also
// carries Allow: `allow`. Keeps the connection alive when the request asks for it.
Reply TextReply(boost::beast::http::status status, const Request& request, std::string body,
                std::string_view kind, HeaderFn add_headers, std::string_view allow = "");

// The reply to a request that could not be read: text, and the connection closes.
Reply RejectReply(boost::beast::http::status status, unsigned version, HeaderFn add_headers);

// An open regular file (the descriptor is owned) and its size.
struct OpenFile {
  int fd = -1;
  uint64_t size = 0;
  absl::Time mtime;
};

// How a file is served.
struct FileMeta {
  std::string_view content_type;
  std::string_view cache_control;
  std::string etag;           // Quoted, e.g. "\"abc\"".
  std::string last_modified;  // HttpDate, or empty for none.
  std::string_view kind = "other";
};

// Opens <root>/<components...> one component at a time with openat(O_NOFOLLOW), so no symlink
// planted under the root leads anywhere else, and refuses anything but a regular file. The
// components must already be validated names (no "/", no ".."). NOT_FOUND when there is no
// such file for this request (404); UNAVAILABLE when the root cannot be opened or the file
// system fails otherwise (a server fault: log it, answer 503).
absl::StatusOr<OpenFile> OpenUnderRoot(const std::string& root,
                                       std::initializer_list<std::string_view> components);

// Serves `body` from memory exactly as ServeFile serves a file of those bytes: 304 when
// If-None-Match names the ETag, 206/416 for one byte range on GET (If-Range honoured), HEAD
// without a body, otherwise 200. For what a handler holds in memory (a live playlist).
Reply ServeBytes(const Request& request, std::string body, const FileMeta& meta,
                 HeaderFn add_headers);

// Serves `file` (taking its descriptor): 304 when If-None-Match names the ETag, 206/416 for one
// byte range on GET (If-Range honoured), HEAD without a body, otherwise 200 streamed from disk.
Reply ServeFile(const Request& request, OpenFile file, const FileMeta& meta, HeaderFn add_headers);

}  // namespace shopcast::http_files
