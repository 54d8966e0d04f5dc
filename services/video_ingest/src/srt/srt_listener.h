#pragma once

// The SRT ingest port: one listening libsrt socket (live mode) taking MPEG-TS from many
// encoders at once. Stream ids are screened in the handshake, and so is PublishAdmission's
// Prescreen (a key and address backing off are rejected there with kRejectPublishBackoff);
// keys are checked by PublishAdmission::Admit on a small worker pool; one poller thread reads every
// connection and feeds the MediaSession each admitted publisher got. Every admitted session is
// Closed exactly once (peer gone, idle, Write returned false, DisconnectFn, Stop), with a reason.
//
// The port is held by us (HeldUdpPort) and handed to libsrt only while it is in use: from the
// first datagram until no encoder has connected, published or tried for `rest_after`. Resting,
// the listener costs no timer wake-ups at all (libsrt's cost 4–5 ms of CPU a second with or
// without encoders); waking takes one libsrt socket set-up, and the datagram that woke it is
// read by libsrt, so the encoder's handshake is not lost.
//
// An encoder that hangs up is drained before its session is closed: libsrt hands a received
// packet over only at its play time (arrival + latency), also after the peer has gone, so the
// last `latency` of every publish is still buffered when the hang-up is seen (upstream:
// Haivision/srt#2760). The connection is read until its agreed latency plus a margin has passed
// and nothing is left in order, so every byte the encoder sent reaches the session. Elapsed
// time uses the steady clock.

#include <srt/srt.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/registry.h"
#include "publish/publish.h"
#include "srt/held_udp_port.h"
#include "srt/srt_library.h"
#include "srt/srt_metrics.h"
#include "srt/srt_options.h"

namespace boost::asio {
class thread_pool;
}  // namespace boost::asio

namespace shopcast::video_ingest::srt {

class SrtListener {
 public:
  // `admission` (and `registry`, when given) must outlive the listener.
  SrtListener(SrtOptions options, PublishAdmission& admission,
              prometheus::Registry* registry = nullptr);
  ~SrtListener();  // Stop()s.
  SrtListener(const SrtListener&) = delete;
  SrtListener& operator=(const SrtListener&) = delete;

  // Binds, listens and starts the poller and admission threads. Call once.
  absl::Status Start();
  // The bound UDP port (the real one when options.port was 0); 0 before Start.
  uint16_t port() const { return port_; }
  // True while libsrt serves the port (tests).
  bool awake() const { return awake_.load(); }
  // Refuses new encoders, closes every connection (each admitted MediaSession is Closed with
  // UNAVAILABLE/SRT_LISTENER_STOPPED) and joins all threads. Idempotent.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Connection;
  struct Inbox;

  static int OnListen(void* self, SRTSOCKET socket, int hs_version, const sockaddr* peer,
                      const char* stream_id);
  int Screen(SRTSOCKET socket, const sockaddr* peer, const char* stream_id);
  // Sets the listening socket's options (accepted sockets inherit them).
  absl::Status Configure(SRTSOCKET socket) const;
  absl::Status CheckOptions() const;
  // Poller thread: hands the held port to a new libsrt listening socket / takes it back.
  absl::Status Wake();
  void Rest();
  // Releases the epoll and the library lease, once libsrt holds nothing of the port.
  void LetGoOfLibsrt();
  bool TimeToRest(Clock::time_point now) const;
  void MarkUsed(Clock::time_point now) { last_used_ns_.store(now.time_since_epoch().count()); }

  // Poller thread only, or Stop() after the poller has been joined.
  void PollLoop();
  void AcceptOne();
  void ReadFrom(Connection& connection);
  void Deliver(Connection& connection, const uint8_t* data, size_t size);
  void DrainInbox();
  void CutIdle(Clock::time_point now);
  // The encoder is gone (`why`): keep reading what libsrt still holds, off the poller.
  void StartDrain(Connection& connection, absl::Status why);
  // Reads every draining connection and ends those with nothing more to come.
  void ContinueDrains(Clock::time_point now);
  bool DrainFinished(const Connection& connection, Clock::time_point now) const;
  void End(SRTSOCKET socket, const absl::Status& why);
  void StartAdmission(const Connection& connection, std::string key);

  const SrtOptions options_;
  PublishAdmission& admission_;
  SrtMetrics metrics_;
  SrtLibraryLease library_;  // Held while awake (and retiring) only.
  HeldUdpPort udp_port_;
  SRTSOCKET listener_ = SRT_INVALID_SOCK;  // Set while libsrt serves the port; poller's.
  bool retiring_ = false;  // Poller's: rested, waiting for libsrt to let go of the port.
  Clock::time_point retire_started_;
  bool retire_warned_ = false;
  std::atomic<bool> awake_{false};
  // When an encoder last connected, ended or tried a handshake (steady clock ticks); the
  // handshake check runs on a libsrt thread.
  std::atomic<Clock::rep> last_used_ns_{0};
  int epoll_ = -1;  // While awake (and retiring): libsrt's epoll of the listener and connections.
  uint16_t port_ = 0;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
  // Accepted connections; read by the listen callback (a libsrt thread) to enforce the cap.
  std::atomic<int> connection_count_{0};
  std::shared_ptr<Inbox> inbox_;
  std::unique_ptr<boost::asio::thread_pool> admission_pool_;
  std::thread poller_;
  std::unordered_map<SRTSOCKET, std::unique_ptr<Connection>> connections_;
  uint64_t next_connection_id_ = 1;
  int admissions_running_ = 0;  // Poller's: posted to the pool, not yet taken from the inbox.
};

}  // namespace shopcast::video_ingest::srt
