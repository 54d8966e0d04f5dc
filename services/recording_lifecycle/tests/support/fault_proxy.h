#pragma once

// A tiny HTTP/1.1 proxy a test puts between a client and a real server (s3rver) to make the
// network misbehave on cue: answer 500/503 instead of forwarding, stall without answering, or
// drop the connection; otherwise it forwards the request (one per connection) and relays the
// answer. It records every request it saw (method, target, headers, when), so a test can count
// attempts, measure the gaps between them and re-check signatures. Plain POSIX sockets and a
// thread per connection: test code, a handful of connections.

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shopcast::recording_lifecycle::testing {

class FaultProxy {
 public:
  // kLoseAnswer: forwards the request (the server acts on it), then closes the client's
  // connection without relaying the answer, as a network failure after the fact would.
  enum class Action { kForward, kStatus, kStall, kDrop, kLoseAnswer };

  // Applies to the next `times` requests whose method equals `method` (empty: any) and whose
  // target contains `target_contains`; the first matching rule with times left wins.
  struct Rule {
    std::string method;
    std::string target_contains;
    Action action = Action::kStatus;
    // For kStatus: 500 InternalError, 503 SlowDown, or any other code.
    int status = 503;
    int times = 1;
  };

  struct Seen {
    std::string method;
    std::string target;
    // Lower-case names, in the order received.
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::steady_clock::time_point at;
    Action action = Action::kForward;

    std::string Header(const std::string& name) const;
  };

  // Listens on 127.0.0.1, an ephemeral port; forwards to 127.0.0.1:`upstream_port`.
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void AddRule(Rule rule);
  std::vector<Seen> Requests() const;
  // Requests seen with `method` (empty: any) whose target contains `target_contains`.
  int Count(const std::string& method, const std::string& target_contains) const;
  // Connections still being served (a stalled one counts until its client gives up).
  int Open() const { return open_.load(); }

 private:
  void AcceptLoop();
  void Serve(int client);
  Action Decide(const std::string& method, const std::string& target, int* status);

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{0};
  std::thread acceptor_;
  mutable absl::Mutex mu_;
  std::vector<Rule> rules_ ABSL_GUARDED_BY(mu_);
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::recording_lifecycle::testing
