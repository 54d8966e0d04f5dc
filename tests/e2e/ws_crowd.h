#pragma once

// A crowd of WebSocket viewers of the gateway (`/ws/v1`, subprotocol `shopcast.v1.proto`:
// binary frames, one gateway.v1.ClientFrame / ServerFrame each), as the web app speaks it: many
// sockets multiplexed on ONE I/O thread (Boost.Beast, asynchronous), each keeping every frame
// it received in order, each sending a heartbeat every `heartbeat_interval` as clients do
// (the gateway closes a silent socket after its idle timeout).
//
// With several gateways (replicas behind a load balancer) socket i starts on gateway
// i % gateways; when `resume` is set, a socket the server drops reconnects to the next gateway
// (as the web app does) and sends what `resume` answers for it first (sign in again, reopen
// notifications, follow the room after the last sequence applied). Its frames stay one list.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shopcast/gateway/v1/gateway.pb.h"

namespace shopcast::e2e {

namespace gw = ::shopcast::gateway::v1;

class WsCrowd {
 public:
  using Frames = std::vector<gw::ServerFrame>;

  // Connects `sockets` sockets to ws://127.0.0.1:<port>/ws/v1, at most `opening` handshakes at
  // a time; throws std::runtime_error if they are not all open within `timeout`.
  WsCrowd(int port, int sockets, absl::Duration timeout = absl::Seconds(60), int opening = 64,
          absl::Duration heartbeat_interval = absl::Seconds(10));
  // What a reconnected socket sends first, given every frame it received so far (called on the
  // crowd's I/O thread).
  using Resume = std::function<std::vector<gw::ClientFrame>(int socket, const Frames& so_far)>;
  WsCrowd(std::vector<int> ports, int sockets, Resume resume,
          absl::Duration timeout = absl::Seconds(60), int opening = 64,
          absl::Duration heartbeat_interval = absl::Seconds(10));
  ~WsCrowd();  // stops the I/O thread; the sockets are dropped
  WsCrowd(const WsCrowd&) = delete;
  WsCrowd& operator=(const WsCrowd&) = delete;

  int size() const { return static_cast<int>(conns_.size()); }
  // Queues `frame` on socket `i` (sent in order, one write at a time).
  void Send(int i, const gw::ClientFrame& frame);

  // True once `pred` holds for every socket's frames (checked under the crowd's lock, so it must
  // be cheap); false after `timeout`. `first` .. `last` (exclusive, -1 = all) bound the sockets.
  bool WaitAll(const std::function<bool(const Frames&)>& pred, absl::Duration timeout,
               int first = 0, int last = -1);
  // How many sockets (in [first, last)) satisfy `pred` now.
  int Count(const std::function<bool(const Frames&)>& pred, int first = 0, int last = -1) const;
  // A copy of socket i's frames.
  Frames FramesOf(int i) const;
  // Sockets the server closed (or that failed) and that did not reconnect.
  int closed() const;
  // Reconnects completed by socket i, and the gateway (port) serving it now.
  int reconnects(int i) const;
  int port_of(int i) const;

 private:
  struct Conn;
  void Start(absl::Duration timeout, int opening);
  void Open(int i, size_t port_index, bool reconnect = false);
  void Reopen(int i, size_t port_index);
  void Read(const std::shared_ptr<Conn>& c, int i);  // the read loop: every frame kept, in order
  void Fail(const std::shared_ptr<Conn>& c);         // counts it closed, opens the next
  void Flush(const std::shared_ptr<Conn>& c);        // writes c's queue, one frame at a time
  void Heartbeat();

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::shared_ptr<Conn>> conns_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<Frames> frames_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int closed_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int> ports_;
  Resume resume_;
  std::vector<int> reconnects_ ABSL_GUARDED_BY(mu_);
  std::vector<int> port_of_ ABSL_GUARDED_BY(mu_);
  absl::Duration heartbeat_interval_;
};

}  // namespace shopcast::e2e
