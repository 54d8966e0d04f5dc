#include "http_session.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <utility>

#include "absl/time/time.h"

namespace shopcast::http_files {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

// Bytes asked for when waiting for the next request on a kept-alive connection.
constexpr size_t kFirstReadBytes = 1024;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

template <class Body>
class PendingWriteOf final : public PendingWrite {
 public:
  explicit PendingWriteOf(http::response<Body>&& response)
      : response_(std::move(response)), serializer_(response_) {}

  void WriteSome(beast::tcp_stream& stream,
                 std::function<void(beast::error_code, std::size_t)> done) override {
    http::async_write_some(stream, serializer_, std::move(done));
  }
  bool finished() override { return serializer_.is_done(); }

 private:
  http::response<Body> response_;
  http::response_serializer<Body> serializer_;  // Refers to response_: never moved.
};

struct MakePendingWrite {
  template <class Body>
  std::unique_ptr<PendingWrite> operator()(http::response<Body>& response) const {
    return std::make_unique<PendingWriteOf<Body>>(std::move(response));
  }
};

}  // namespace

class HttpSession::Deferred final : public DeferredReply {
 public:
  Deferred(std::weak_ptr<HttpSession> session, net::any_io_executor executor)
      : session_(std::move(session)), executor_(std::move(executor)) {}

  const net::any_io_executor& executor() const override { return executor_; }

  void Complete(Reply reply) override {
    if (done_) return;
    done_ = true;
    if (std::shared_ptr<HttpSession> session = session_.lock()) {
      session->CompleteDeferred(std::move(reply));
    }
  }

  void OnCancel(std::function<void()> on_cancel) override { on_cancel_ = std::move(on_cancel); }

  bool cancelled() const override { return cancelled_; }

  // The session ended (or gave up) first: Complete() is ignored from now on.
  void Cancel(bool notify) {
    if (done_) return;
    done_ = true;
    cancelled_ = true;
    std::function<void()> fn = std::move(on_cancel_);
    on_cancel_ = nullptr;
    if (notify && fn) fn();
  }

 private:
  const std::weak_ptr<HttpSession> session_;
  const net::any_io_executor executor_;
  std::function<void()> on_cancel_;
  bool done_ = false;
  bool cancelled_ = false;
};

HttpSession::HttpSession(net::ip::tcp::socket socket, std::shared_ptr<SessionShared> shared)
    : stream_(std::move(socket)),
      shared_(std::move(shared)),
      // Twice the header limit: room for a full head plus the start of a pipelined one, while
      // a client can never make the buffer grow without bound.
      buffer_(2 * static_cast<size_t>(shared_->options.max_header_bytes) + kFirstReadBytes) {}

HttpSession::~HttpSession() {
  // Destroyed with a request still deferred only when the server stops (its handler has
  // stopped waiting by then): nothing is told.
  if (deferred_) deferred_->Cancel(/*notify=*/false);
  shared_->connections.fetch_sub(1);
  shared_->metrics.ConnectionClosed();
}

void HttpSession::Start() {
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&HttpSession::ReadRequest, shared_from_this()));
}

void HttpSession::ReadRequest() {
  parser_.emplace();
  parser_->header_limit(shared_->options.max_header_bytes);
  parser_->body_limit(shared_->options.max_body_bytes);
  // One deadline for the whole head, however slowly it trickles in: this is what cuts a
  // slow-loris client that sends a byte every few seconds.
  stream_.expires_after(ToChrono(shared_->options.header_timeout));
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::OnRequest, shared_from_this()));
}

void HttpSession::OnRequest(beast::error_code ec, std::size_t) {
  if (!ec) {
    auto later = std::make_shared<Deferred>(weak_from_this(), stream_.get_executor());
    std::optional<Reply> now = shared_->handler->RespondOrDefer(parser_->get(), later);
    if (now) {
      later->Cancel(/*notify=*/false);  // A handler that kept it anyway gets nothing from it.
      Send(std::move(*now));
      return;
    }
    deferred_ = std::move(later);
    WatchWhileDeferred();
    return;
  }
  const unsigned version = parser_->get().version() == 10 ? 10 : 11;
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    Send(shared_->handler->Reject(http::status::request_header_fields_too_large, version));
  } else if (ec == http::error::body_limit) {
    Send(shared_->handler->Reject(http::status::payload_too_large, version));
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    Send(shared_->handler->Reject(http::status::bad_request, version));
  } else {
    // Closed by the client, reset, or timed out (slow or idle): nothing worth answering.
    Close();
  }
}

void HttpSession::WatchWhileDeferred() {
  const size_t room = buffer_.max_size() - buffer_.size();
  if (room == 0) return;  // A client pipelining that much waits; the handler still answers.
  watching_ = true;
  stream_.expires_after(ToChrono(shared_->options.max_deferral));
  stream_.async_read_some(
      buffer_.prepare(std::min(room, kFirstReadBytes)),
      beast::bind_front_handler(&HttpSession::OnDeferredRead, shared_from_this()));
}

void HttpSession::OnDeferredRead(beast::error_code ec, std::size_t bytes) {
  watching_ = false;
  if (!ec) buffer_.commit(bytes);
  if (!deferred_) {
    // Completed meanwhile (this read was cancelled for it, or raced it): the reply is being
    // written; the next request is read once both are done.
    if (resume_after_watch_) {
      resume_after_watch_ = false;
      WaitForNextRequest();
    }
    return;
  }
  if (ec) {  // The client closed or reset the connection, or max_deferral passed.
    CancelDeferred();
    Close();
    return;
  }
  WatchWhileDeferred();
}

void HttpSession::CompleteDeferred(Reply reply) {
  if (!deferred_) return;
  deferred_.reset();
  if (watching_) {
    // Stop watching; the write starts now (one read and one write may be outstanding at once),
    // so the reply is on its way before this returns.
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
  }
  Send(std::move(reply));
}

void HttpSession::CancelDeferred() {
  if (!deferred_) return;
  std::shared_ptr<Deferred> deferred = std::move(deferred_);
  deferred->Cancel(/*notify=*/true);
}

void HttpSession::WaitForNextRequest() {
  if (buffer_.size() > 0) {  // Pipelined request already here.
    ReadRequest();
    return;
  }
  stream_.expires_after(ToChrono(shared_->options.idle_timeout));
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          beast::bind_front_handler(&HttpSession::OnFirstByte, shared_from_this()));
}

void HttpSession::OnFirstByte(beast::error_code ec, std::size_t bytes) {
  if (ec) {
    Close();
    return;
  }
  buffer_.commit(bytes);
  ReadRequest();
}

void HttpSession::Send(Reply reply) {
  shared_->metrics.Request(reply.status, reply.kind);
  close_after_write_ = !reply.keep_alive;
  pending_ = std::visit(MakePendingWrite{}, reply.message);
  WriteSome();
}

void HttpSession::WriteSome() {
  stream_.expires_after(ToChrono(shared_->options.write_timeout));
  pending_->WriteSome(stream_,
                      beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this()));
}

void HttpSession::OnWrite(beast::error_code ec, std::size_t bytes) {
  shared_->metrics.BytesSent(bytes);
  if (ec) {  // Write timeout, reset, or the file failed to read: the response is lost.
    Close();
    return;
  }
  if (!pending_->finished()) {
    WriteSome();
    return;
  }
  pending_.reset();
  if (close_after_write_) {
    Close();
    return;
  }
  if (watching_) {  // The watch read of a deferred request has not returned yet.
    resume_after_watch_ = true;
    return;
  }
  WaitForNextRequest();
}

void HttpSession::Close() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.close();
}

}  // namespace shopcast::http_files
