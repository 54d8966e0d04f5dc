#include "ws/lean_transport.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/field.hpp"
#include "boost/beast/http/verb.hpp"
#include "shopcast/log/log.h"

namespace shopcast::gateway::ws {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

// Reads land here, then only what a frame still lacks is kept by the socket's reader.
constexpr size_t kReadChunk = 16 * 1024;
// Reads per wake-up before yielding the thread to other sockets.
constexpr int kReadsPerWake = 4;
// Unsent control frames beyond this (a ping flood) are not answered: RFC 6455 lets an endpoint
// answer only the latest ping.
constexpr size_t kMaxControlBacklog = 1024;
constexpr absl::Duration kCloseHandshakeTimeout = absl::Seconds(5);

void AppendHeader(std::string& out, wire::Opcode op, size_t payload) {
  const wire::FrameHeader h = wire::ServerFrameHeader(op, payload);
  out.append(reinterpret_cast<const char*>(h.bytes), h.size);
}

}  // namespace

LeanTransport::LeanTransport(HubCore& hub, uint64_t id, SubprotocolChoice choice,
                             const RequestContext& context, WsTarget target, tcp::socket socket)
    : Session(hub, id, choice.protocol, context, std::move(target)),
      socket_(std::move(socket)),
      reader_(hub.options.max_client_frame_bytes),
      echo_protocol_(choice.echo) {}

std::shared_ptr<LeanTransport> LeanTransport::Self() {
  return std::static_pointer_cast<LeanTransport>(shared_from_this());
}

void LeanTransport::Start(const HttpRequest& request) {
  const WsOptions& o = hub_.options;
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);  // pushes are small and latency matters
  if (o.socket_send_buffer_bytes > 0) {
    socket_.set_option(net::socket_base::send_buffer_size(o.socket_send_buffer_bytes), ec);
  }
  socket_.non_blocking(true, ec);  // reads drain what is there without blocking the thread
  handshake_by_ = absl::Now() + o.handshake_timeout;
  ArmAt(handshake_by_);

  // What RFC 6455 §4.2.1 asks of the opening handshake (the hub checked the Upgrade and
  // Connection headers).
  if (request.version() != 11 || request.method() != http::verb::get) {
    Refuse("400 Bad Request", "", "INVALID_ARGUMENT", "a WebSocket opens with GET over HTTP/1.1");
    return;
  }
  const auto version = request[http::field::sec_websocket_version];
  if (version != "13") {
    Refuse("426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n", "FAILED_PRECONDITION",
           "WebSocket version 13 only");
    return;
  }
  const auto key = request[http::field::sec_websocket_key];
  const std::optional<std::string> accept =
      wire::AcceptKey(absl::string_view(key.data(), key.size()));
  if (!accept) {
    Refuse("400 Bad Request", "", "INVALID_ARGUMENT", "bad Sec-WebSocket-Key");
    return;
  }
  control().in_flight = absl::StrCat(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ",
      *accept, "\r\nServer: shopcast-gateway\r\n",
      echo_protocol_
          ? absl::StrCat("Sec-WebSocket-Protocol: ",
                         subprotocol() == Subprotocol::kJson ? kJsonSubprotocol : kProtoSubprotocol,
                         "\r\n")
          : "",
      "\r\n");
  auto self = Self();
  net::async_write(socket_, net::buffer(control_->in_flight),
                   [self](const boost::system::error_code& write_ec, size_t) {
                     self->control_->in_flight.clear();
                     self->ReleaseControl();
                     if (write_ec || self->finished_) {
                       self->Finish();
                       return;
                     }
                     self->accepted_ = true;
                     self->last_wire_rx_ = absl::Now();
                     self->OnOpen();  // welcome (and the path's room); re-arms the timer
                     self->WaitReadable();
                     self->DoWrite();
                   });
}

void LeanTransport::Refuse(const char* status_line, const char* extra_headers, const char* code,
                           const char* message) {
  const std::string body = absl::StrCat(R"({"code":")", code, R"(","message":")", message, "\"}");
  control().in_flight = absl::StrCat(
      "HTTP/1.1 ", status_line,
      "\r\nServer: shopcast-gateway\r\nContent-Type: application/json\r\n", extra_headers,
      "Connection: close\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
  auto self = Self();
  net::async_write(socket_, net::buffer(control_->in_flight),
                   [self](const boost::system::error_code&, size_t) { self->Finish(); });
}

void LeanTransport::Post(std::function<void()> fn) {
  net::post(socket_.get_executor(), std::move(fn));
}

void LeanTransport::KickWriter() {
  auto self = Self();
  net::post(socket_.get_executor(), [self] { self->DoWrite(); });
}

void LeanTransport::CloseAfterFlush(uint16_t code, const char* why) {
  if (close_code_ != 0 || finished_) return;
  close_code_ = code;
  close_reason_ = why;
  close_by_ = absl::Now() + kCloseHandshakeTimeout;  // a socket that cannot flush is dropped
  DoWrite();
  ArmAt(close_by_);
}

void LeanTransport::Abort() { Finish(); }

void LeanTransport::Rearm() {
  ArmAt(accepted_ ? std::min(NextDeadline(), WireDeadline()) : handshake_by_.get());
}

// ---- reading --------------------------------------------------------------------------------

void LeanTransport::WaitReadable() {
  if (finished_ || close_received_) return;
  auto self = Self();
  socket_.async_wait(tcp::socket::wait_read, [self](const boost::system::error_code& ec) {
    if (ec) {
      self->Finish();
      return;
    }
    self->OnReadable();
  });
}

void LeanTransport::OnReadable() {
  if (finished_) return;
  thread_local std::array<char, kReadChunk> chunk;
  std::vector<wire::Message> messages;
  for (int round = 0; round < kReadsPerWake; ++round) {
    boost::system::error_code ec;
    const size_t n = socket_.read_some(net::buffer(chunk), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) break;
    if (ec) {  // reset or end of stream without a close frame
      Finish();
      return;
    }
    last_wire_rx_ = absl::Now();
    ping_sent_ = false;
    if (!reader_.Feed(absl::string_view(chunk.data(), n), messages)) {
      const wire::MessageReader::Error& error = *reader_.error();
      hub_.metrics.bad_frames->Increment();
      log::Info(error.close_code == wire::kCloseTooBig ? "ws_frame_too_big" : "ws_protocol_error")
          .Kv("connection_id", connection_id())
          .Kv("close_code", static_cast<int64_t>(error.close_code))
          .Kv("why", error.why);
      close_received_ = true;  // nothing more is read from a peer that broke the protocol
      CloseAfterFlush(error.close_code, "protocol error");
      return;
    }
    for (wire::Message& m : messages) {
      OnWireMessage(m);
      if (finished_ || close_received_) return;
    }
    messages.clear();
    if (n < chunk.size()) break;
  }
  WaitReadable();
}

void LeanTransport::OnWireMessage(wire::Message& m) {
  switch (m.kind) {
    case wire::Message::Kind::kText:
    case wire::Message::Kind::kBinary:
      if (close_code_ != 0) return;  // closing: the client's late frames are not acted on
      OnMessage(m.payload, m.kind == wire::Message::Kind::kBinary);
      return;
    case wire::Message::Kind::kPing:
      if ((control_ == nullptr ? 0 : control_->out.size()) + m.payload.size() + 2 <=
          kMaxControlBacklog) {
        AppendHeader(control().out, wire::Opcode::kPong, m.payload.size());
        control_->out.append(m.payload);
        DoWrite();
      }
      return;
    case wire::Message::Kind::kPong:
      return;  // its bytes already counted as life
    case wire::Message::Kind::kClose:
      close_received_ = true;
      if (close_code_ == 0) {
        // Echo the client's code (RFC 6455 §5.5.1) right after the frame being written.
        close_code_ = m.close_code == wire::kCloseNoStatus ? wire::kCloseNormal : m.close_code;
        close_reason_ = "";
        close_by_ = absl::Now() + kCloseHandshakeTimeout;
        ArmAt(close_by_);
      }
      DoWrite();
      return;
  }
}

// ---- writing --------------------------------------------------------------------------------

void LeanTransport::DoWrite() {
  if (writing_ || finished_ || !accepted_) return;
  auto self = Self();
  auto done = [self](const boost::system::error_code& ec, size_t) { self->OnWritten(ec); };
  if (control_ != nullptr && !control_->out.empty()) {
    control_->in_flight.swap(control_->out);
    writing_ = true;
    net::async_write(socket_, net::buffer(control_->in_flight), done);
    return;
  }
  if (!close_received_) {
    if (FrameBytes next = NextToWrite(); next != nullptr) {
      in_flight_ = std::move(next);
      header_ = wire::ServerFrameHeader(
          subprotocol() == Subprotocol::kJson ? wire::Opcode::kText : wire::Opcode::kBinary,
          in_flight_->size());
      writing_ = true;
      const std::array<net::const_buffer, 2> buffers{net::buffer(header_.bytes, header_.size),
                                                     net::buffer(*in_flight_)};
      net::async_write(socket_, buffers, done);
      return;
    }
  }
  if (close_code_ != 0 && !close_sent_) {
    close_sent_ = true;
    control().in_flight = wire::CloseFrame(close_code_, close_reason_);
    writing_ = true;
    net::async_write(socket_, net::buffer(control_->in_flight), done);
    return;
  }
  if (close_sent_ && close_received_) Finish();  // both closes seen: the server ends TCP
}

void LeanTransport::OnWritten(const boost::system::error_code& ec) {
  writing_ = false;
  if (ec) {
    Finish();
    return;
  }
  if (in_flight_ != nullptr) {
    in_flight_.reset();
    WriteDone();
  } else if (control_ != nullptr) {
    control_->in_flight.clear();
    ReleaseControl();  // an idle socket keeps no buffer
  }
  DoWrite();
}

LeanTransport::ControlBytes& LeanTransport::control() {
  if (control_ == nullptr) control_ = std::make_unique<ControlBytes>();
  return *control_;
}

void LeanTransport::ReleaseControl() {
  if (control_ != nullptr && control_->out.empty() && control_->in_flight.empty()) {
    control_.reset();
  }
}

// ---- time -----------------------------------------------------------------------------------

absl::Time LeanTransport::WireDeadline() const {
  // A quiet client is pinged after ping_interval; one that sends nothing, not even the pong,
  // for another interval is gone.
  const absl::Duration ping = hub_.options.ping_interval;
  return std::min(close_by_.get(), last_wire_rx_.get() + (ping_sent_ ? 2 * ping : ping));
}

void LeanTransport::ArmAt(absl::Time at) {
  if (finished_ || at == absl::InfiniteFuture()) return;
  const int64_t ns = absl::ToUnixNanos(at);
  if (ns < due_ns_.load(std::memory_order_relaxed)) due_ns_.store(ns, std::memory_order_relaxed);
}

void LeanTransport::SweepTick(int64_t now_unix_ns) {
  if (due_ns_.load(std::memory_order_relaxed) > now_unix_ns) return;
  // A socket whose deadline passed gets one wake-up per tick until its strand has acted on it
  // (OnDue moves the deadline on); a duplicate finds nothing due and returns.
  net::post(socket_.get_executor(), [self = Self()] { self->OnDue(); });
}

void LeanTransport::OnDue() {
  if (finished_ || absl::ToUnixNanos(absl::Now()) < due_ns_.load(std::memory_order_relaxed)) {
    return;
  }
  due_ns_.store(kNever, std::memory_order_relaxed);
  OnTimerFired();  // re-arms for the next deadline
}

void LeanTransport::OnTimerFired() {
  const absl::Time now = absl::Now();
  if (!accepted_) {
    if (now >= handshake_by_) Finish();
    return;
  }
  if (now >= close_by_) {
    Finish();
    return;
  }
  const absl::Duration ping = hub_.options.ping_interval;
  if (ping_sent_ && now >= last_wire_rx_ + 2 * ping) {
    log::Debug("ws_ping_timeout").Kv("connection_id", connection_id());
    Finish();
    return;
  }
  if (!ping_sent_ && now >= last_wire_rx_ + ping) {
    ping_sent_ = true;
    AppendHeader(control().out, wire::Opcode::kPing, 0);
    DoWrite();
  }
  OnTimer();  // the session's own deadlines (idle, stuck queue, drain)
  if (!finished_) Rearm();
}

void LeanTransport::Finish() {
  if (finished_) return;
  finished_ = true;
  due_ns_.store(kNever, std::memory_order_relaxed);
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);  // also ends the pending wait, which held this object
  if (accepted_) {
    OnClosed();
  } else {
    hub_.Unregister(id());
  }
}

}  // namespace shopcast::gateway::ws
