#pragma once

// A Session over a plain TCP socket, speaking RFC 6455 through ws/wire.h instead of
// Boost.Beast's websocket::stream (which TLS sockets keep using). Plain sockets are the
// production case: TLS ends at the Ingress (`--behind_tls_proxy`). An idle socket here holds
// the session, the socket, a timer and the reader's few bytes of state; it waits for readable
// data with no buffer (reads go to a per-thread buffer), so 10,000 idle viewers cost a few
// tens of megabytes, not hundreds.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "http/exchange.h"
#include "ws/frames.h"
#include "ws/session.h"
#include "ws/wire.h"

namespace shopcast::gateway::ws {

class LeanTransport final : public Session {
 public:
  LeanTransport(HubCore& hub, uint64_t id, SubprotocolChoice choice,
                const RequestContext& context, WsTarget target,
                boost::asio::ip::tcp::socket socket);

  // Answers the upgrade (101, or 400/426 for a handshake RFC 6455 refuses) and starts reading.
  void Start(const HttpRequest& request);

 protected:
  void Post(std::function<void()> fn) override;
  void KickWriter() override;
  void CloseAfterFlush(uint16_t code, const char* why) override;
  void Abort() override;
  void Rearm() override;

 private:
  std::shared_ptr<LeanTransport> Self();
  void Refuse(const char* status_line, const char* extra_headers, const char* code,
              const char* message);
  void WaitReadable();
  void OnReadable();
  void OnWireMessage(wire::Message& m);
  void DoWrite();
  void OnWritten(const boost::system::error_code& ec);
  absl::Time WireDeadline() const;
  void ArmAt(absl::Time at);
  void OnTimerFired();
  void Finish();

  HubCore& hub_core_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  wire::MessageReader reader_;
  absl::Time armed_for_ = absl::InfinitePast();
  absl::Time handshake_by_ = absl::InfiniteFuture();
  absl::Time last_wire_rx_;  // any bytes from the client: pongs keep a quiet viewer alive
  absl::Time close_by_ = absl::InfiniteFuture();

  // Writing: at most one write in flight; control frames go before queued data.
  std::string control_out_;  // ready control frames (pong, ping, close), in order
  std::string in_flight_control_;
  FrameBytes in_flight_;     // the data frame being written
  wire::FrameHeader header_{};
  std::string handshake_;    // the 101 answer until written

  const char* close_reason_ = "";
  uint16_t close_code_ = 0;
  bool echo_protocol_;
  bool accepted_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool ping_sent_ = false;
  bool close_sent_ = false;
  bool close_received_ = false;
};

}  // namespace shopcast::gateway::ws
