#pragma once

// What a Handler answers: one HTTP response, buffered (short text) or streamed from an open file,
// plus what the server needs to account for it. No sockets here.

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

#include "shopcast/http_files/file_body.h"
#include "shopcast/http_files/ranged_file.h"

namespace shopcast::http_files {

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

// A request whose reply the handler gives later (a long poll: an HLS blocking playlist reload).
// While it waits the connection reads no further request (one waiting request per connection)
// and costs no thread: the server only watches the socket, so a client that goes away is
// noticed at once. Owned by the handler from RespondOrDefer on; the server keeps only a weak
// reference, so a handle kept after the connection ended is harmless.
class DeferredReply {
 public:
  virtual ~DeferredReply() = default;

  // The connection's strand: the handler does everything for this request on it (its timers,
  // posted wake-ups), and calls Complete() there.
  virtual const boost::asio::any_io_executor& executor() const = 0;

  // Sends `reply`. On executor() only; the first call counts, later ones and calls after the
  // connection ended are ignored.
  virtual void Complete(Reply reply) = 0;

  // Runs `on_cancel` once, on executor(), if the connection ends before Complete(): the client
  // closed or reset it, or the request waited longer than ServerOptions::max_deferral. Not run
  // when the server is stopped: its handler stops its waits first (see Handler). Set it before
  // RespondOrDefer returns.
  virtual void OnCancel(std::function<void()> on_cancel) = 0;

  // True once the connection ended without Complete(). On executor() only.
  virtual bool cancelled() const = 0;
};

// Turns parsed requests into replies. Called on the server's I/O threads, possibly several at
// once: thread-safe, and blocking only on quick file-system calls (open, fstat).
class Handler {
 public:
  virtual ~Handler() = default;

  // The response to a request that was read whole and within the limits.
  virtual Reply Respond(const Request& request) const = 0;

  // What the server calls: the reply now, or nullopt after keeping `later` to Complete() it
  // within a bounded time (the handler's own timer; the server's max_deferral is only a safety
  // net). A handler that defers must Complete or abandon its waiting requests before the server
  // is stopped, and must not keep anything bound to executor() past that. Default: Respond().
  virtual std::optional<Reply> RespondOrDefer(const Request& request,
                                              const std::shared_ptr<DeferredReply>& later) const {
    (void)later;
    return Respond(request);
  }

  // A short response for a request that could not be read (400, 413, 431); it must close.
  virtual Reply Reject(boost::beast::http::status status, unsigned version) const = 0;
};

}  // namespace shopcast::http_files
