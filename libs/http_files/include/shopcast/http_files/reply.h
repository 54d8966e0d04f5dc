#pragma once

// What a Handler answers: one HTTP response, buffered (short text) or streamed from an open file,
// plus what the server needs to account for it. No sockets here.

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string_view>
#include <variant>

#include "shopcast/http_files/ranged_file.h"

namespace shopcast::http_files {

using FileBody = boost::beast::http::basic_file_body<RangedFile>;
// Only body-less methods are served, so requests are parsed with an empty body.
using Request = boost::beast::http::request<boost::beast::http::empty_body>;

struct Reply {
  std::variant<boost::beast::http::response<boost::beast::http::string_body>,
               boost::beast::http::response<boost::beast::http::empty_body>,
               boost::beast::http::response<FileBody>>
      message;
  // The metrics' "kind" label; static storage (a handful of fixed values keeps cardinality low).
  std::string_view kind = "other";
  unsigned status = 0;
  bool keep_alive = false;
};

// Turns parsed requests into replies. Called on the server's I/O threads, possibly several at
// once: thread-safe, and blocking only on quick file-system calls (open, fstat).
class Handler {
 public:
  virtual ~Handler() = default;

  // The response to a request that was read whole and within the limits.
  virtual Reply Respond(const Request& request) const = 0;

  // A short response for a request that could not be read (400, 413, 431); it must close.
  virtual Reply Reject(boost::beast::http::status status, unsigned version) const = 0;
};

}  // namespace shopcast::http_files
