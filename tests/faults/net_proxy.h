#pragma once

// A TCP proxy the fault tests put between two services of the suite (a gRPC client and its
// peer's listener) to make the network between them misbehave on cue. It forwards bytes both
// ways, connection by connection, and on command:
//   kBlackhole  a partition as a dropped link looks: open connections go silent (bytes are read
//               and discarded, nothing is forwarded), new connections are accepted and then
//               hang — the caller's deadline, not a refusal, ends its call;
//   kReset      a partition as a refusing host looks: every open connection is reset (RST) and
//               new ones are reset at once;
//   kForward    healed: new connections are forwarded again. Connections black-holed meanwhile
//               are reset on heal (their streams are out of step), so clients reconnect.
// `set_latency` adds a delay to every chunk forwarded in either direction (a slow link or a
// slow peer). The recording-lifecycle tests' FaultProxy is an HTTP/1.1 request proxy (one
// request per connection, answers it makes up); gRPC's long-lived HTTP/2 connections need
// this byte-level one. Plain POSIX sockets and two threads per connection: test code, a
// handful of connections.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shopcast::faults {

class NetProxy {
 public:
  enum class Mode { kForward, kBlackhole, kReset };

  // Listens on 127.0.0.1 (an ephemeral port) and forwards to `upstream` ("127.0.0.1:<port>").
  explicit NetProxy(std::string upstream);
  ~NetProxy();  // Closes everything and joins its threads.
  NetProxy(const NetProxy&) = delete;
  NetProxy& operator=(const NetProxy&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& upstream() const { return upstream_; }

  void set_mode(Mode mode);
  Mode mode() const { return mode_.load(); }
  void set_latency(absl::Duration latency);

  // Connections accepted so far, and bytes forwarded (both directions), for the report.
  int accepted() const { return accepted_.load(); }
  long long forwarded_bytes() const { return forwarded_.load(); }
  // Connections reset or black-holed by a fault.
  int cut() const { return cut_.load(); }

 private:
  struct Link;
  void AcceptLoop();
  void Pump(const std::shared_ptr<Link>& link, bool upstream_to_client);
  void ResetLinks(bool only_blackholed);

  std::string upstream_;
  int upstream_port_ = 0;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<Mode> mode_{Mode::kForward};
  std::atomic<int64_t> latency_us_{0};
  std::atomic<int> accepted_{0};
  std::atomic<int> cut_{0};
  std::atomic<long long> forwarded_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Link>> links_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::faults
