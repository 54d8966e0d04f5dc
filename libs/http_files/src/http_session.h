#pragma once

// One HTTP/1.x connection of a Server: reads requests under strict size and time limits, hands
// each to the Handler and streams the reply back. Internal to the library.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "server_metrics.h"
#include "shopcast/http_files/reply.h"
#include "shopcast/http_files/server.h"

namespace shopcast::http_files {

// State every connection of one origin shares; sessions keep it alive while they run.
struct SessionShared {
  SessionShared(const ServerOptions& opts, std::shared_ptr<const Handler> h,
                prometheus::Registry* registry)
      : options(opts), handler(std::move(h)), metrics(registry, opts.metrics_prefix) {}

  const ServerOptions options;
  const std::shared_ptr<const Handler> handler;
  ServerMetrics metrics;
  std::atomic<int> connections{0};  // Incremented by the acceptor, decremented by ~HttpSession.
};

// A response and its serializer, written a piece at a time so a stalled reader is detected by
// lack of progress rather than by a deadline on the whole (possibly large) body.
class PendingWrite {
 public:
  virtual ~PendingWrite() = default;
  virtual void WriteSome(boost::beast::tcp_stream& stream,
                         std::function<void(boost::beast::error_code, std::size_t)> done) = 0;
  virtual bool finished() = 0;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `socket` is connected and bound to its own strand; `shared->connections` already counts it.
  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<SessionShared> shared);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Starts serving; the session keeps itself alive until the connection ends.
  void Start();

 private:
  class Deferred;
  friend class Deferred;

  void ReadRequest();
  void OnRequest(boost::beast::error_code ec, std::size_t bytes);
  // While a deferred request waits: read what the client sends (pipelined bytes are kept for
  // later, an end or reset cancels the request), within max_deferral.
  void WatchWhileDeferred();
  void OnDeferredRead(boost::beast::error_code ec, std::size_t bytes);
  // The handler completed the deferred request (on the strand).
  void CompleteDeferred(Reply reply);
  // The connection ended while a request was deferred: tells the handler, once.
  void CancelDeferred();
  void WaitForNextRequest();
  void OnFirstByte(boost::beast::error_code ec, std::size_t bytes);
  void Send(Reply reply);
  void WriteSome();
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void Close();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<SessionShared> shared_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> parser_;
  std::unique_ptr<PendingWrite> pending_;
  bool close_after_write_ = false;
  std::shared_ptr<Deferred> deferred_;  // The request waiting for its handler, if any.
  bool watching_ = false;               // A watch read is outstanding.
  bool resume_after_watch_ = false;     // Read the next request once the watch read returns.
};

}  // namespace shopcast::http_files
