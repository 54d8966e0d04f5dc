#pragma once

// A Session over a plain TCP socket, speaking RFC 6455 through ws/wire.h instead of
// Boost.Beast's websocket::stream (which TLS sockets keep using). Plain sockets are the
// production case: TLS ends at the Ingress (`--behind_tls_proxy`). An idle socket here holds
// the session, the socket and the reader's few bytes of state; it waits for readable data with
// no buffer (reads go to a per-thread buffer) and keeps no timer (its next deadline is a number
// the hub's sweep reads every tick), so 10,000 idle viewers cost a few tens of megabytes.

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "boost/asio/ip/tcp.hpp"
#include "http/exchange.h"
#include "ws/frames.h"
#include "ws/session.h"
#include "ws/wire.h"

namespace shopcast::gateway::ws {

class LeanTransport final : public Session {
 public:
  LeanTransport(HubCore& hub, uint64_t id, SubprotocolChoice choice, const RequestContext& context,
                WsTarget target, boost::asio::ip::tcp::socket socket);

  // Answers the upgrade (101, or 400/426 for a handshake RFC 6455 refuses) and starts reading.
  void Start(const HttpRequest& request);

  void SweepTick(int64_t now_unix_ns) override;

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
  // Brings the next deadline forward to `at` (a later one waits for the earlier to pass).
  void ArmAt(absl::Time at);
  void OnDue();  // strand: the sweep saw the deadline pass
  void OnTimerFired();
  void Finish();

  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  boost::asio::ip::tcp::socket socket_;
  // The next deadline, Unix nanoseconds (kNever: none); written on the strand, read by the sweep.
  std::atomic<int64_t> due_ns_{kNever};
  wire::MessageReader reader_;
  CompactTime handshake_by_ = absl::InfiniteFuture();
  CompactTime last_wire_rx_;  // any bytes from the client: pongs keep a quiet viewer alive
  CompactTime close_by_ = absl::InfiniteFuture();

  // Writing: at most one write in flight; control frames go before queued data. Control bytes
  // exist only around a ping, a pong, a close or the handshake, so an idle socket keeps none.
  struct ControlBytes {
    std::string out;        // ready control frames (pong, ping, close), in order
    std::string in_flight;  // being written; also the handshake's answer (101, 400, 426)
  };
  ControlBytes& control();  // made on first use
  void ReleaseControl();    // once nothing is written or waiting (not while writing_)
  std::unique_ptr<ControlBytes> control_;
  FrameBytes in_flight_;  // the data frame being written
  wire::FrameHeader header_{};

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
