#pragma once

// The WebSocket hub: every socket upgraded on /ws/… (plain or TLS), the rooms they follow and
// the one upstream realtime-push Subscribe per room per process that feeds them. See the
// gateway README, section "WebSocket".

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "auth/access_check.h"
#include "grpcpp/channel.h"
#include "http/exchange.h"
#include "limits/rate_limits.h"
#include "prometheus/registry.h"

namespace shopcast::gateway {

struct WsOptions {
  // Told to clients in `welcome`: heartbeat every heartbeat_interval; a socket whose client sent
  // no frame for idle_timeout is closed (code 4000, "idle timeout"). Beast's keep-alive pings go
  // out after ping_interval of silence and a peer that answers nothing by 2x is dropped.
  absl::Duration heartbeat_interval = absl::Seconds(15);
  absl::Duration idle_timeout = absl::Seconds(45);
  absl::Duration ping_interval = absl::Seconds(20);
  absl::Duration handshake_timeout = absl::Seconds(10);
  // Client frames: larger closes with 1009; more than rate per second (after the burst) or
  // malformed ones get an error frame; after max_bad_frames of those the socket is closed
  // (fatal error frame, 1008).
  size_t max_client_frame_bytes = 16 * 1024;
  double client_frames_per_second = 10;
  int client_frame_burst = 40;
  int max_bad_frames = 8;
  // Rooms one socket may follow at once.
  int max_rooms_per_socket = 8;
  // The per-socket send queue (frames written but not yet taken by the kernel). A room event
  // that does not fit cuts the socket's rooms (room_ended TOO_SLOW); a socket still not
  // drained stuck_close_after later is closed.
  size_t send_queue_max_bytes = 1 << 20;
  size_t send_queue_max_frames = 2048;
  absl::Duration stuck_close_after = absl::Seconds(10);
  // SO_SNDBUF of each socket; 0 leaves the kernel's default (auto-tuned, up to megabytes).
  int socket_send_buffer_bytes = 0;
  // Per room: recent durable events kept to resume sockets without an upstream call; how old a
  // kept snapshot may be to start a new socket from; how long a room's upstream stays after its
  // last socket left.
  size_t room_ring_events = 1024;
  absl::Duration snapshot_max_age = absl::Seconds(10);
  absl::Duration room_linger = absl::Seconds(5);
  // Viewer and reaction counts pushed to sockets at most this often per room (0: as they come).
  absl::Duration counts_interval = absl::Seconds(1);
  // Upstream Subscribe lost: reconnect with jittered backoff; still down after
  // upstream_give_up_after: room_ended UPSTREAM_UNAVAILABLE with retry_after.
  absl::Duration upstream_backoff_initial = absl::Milliseconds(200);
  absl::Duration upstream_backoff_max = absl::Seconds(5);
  absl::Duration upstream_give_up_after = absl::Seconds(15);
  absl::Duration upstream_retry_after = absl::Seconds(5);
  // Deadline of every unary call (SendChat, SetReaction, presence).
  absl::Duration call_timeout = absl::Seconds(5);
  // Drain: going_away tells clients to reconnect within this; sockets close after close_after.
  absl::Duration drain_reconnect_within = absl::Seconds(10);
  absl::Duration drain_close_after = absl::Seconds(5);
  // Sockets at once; beyond it the upgrade answers 503.
  size_t max_sockets = 200000;
  // glibc keeps freed memory resident: after the socket count moved by trim_after_sockets
  // (a crowd joined or left), give the freed pages back at most this often (0: never).
  absl::Duration memory_trim_interval = absl::Seconds(10);
  size_t trim_after_sockets = 256;
  // Plain sockets keep no timer of their own (a timer and its pending wait cost ~200 bytes per
  // idle socket): one sweep per tick finds the sockets whose deadline (ping, idle, handshake,
  // close, token expiry) has come. Deadlines are kept to within this.
  absl::Duration timer_tick = absl::Milliseconds(250);
};

class WebSocketHub : public WebSocketAcceptor {
 public:
  // SIGTERM: every socket gets going_away, then is closed (1001) drain_close_after later; new
  // upgrades answer 503. Returns at once; WaitDrained waits for the sockets to be gone.
  virtual void Drain() = 0;
  // True when no socket is open any more (or `timeout` passed: false).
  virtual bool WaitDrained(absl::Duration timeout) = 0;

  // Counts for tests and the bench (the same as the metrics).
  virtual size_t SocketCount() const = 0;
  virtual size_t UpstreamSubscriptionCount() const = 0;
};

// `realtime_push` is a channel to realtime-push's public listener. `access` verifies tokens of
// `authenticate` frames; `limits` takes chat (kChat) and reaction (kReaction) tokens. `metrics`
// may be null. The three pointers must outlive the hub.
std::shared_ptr<WebSocketHub> MakeWebSocketHub(WsOptions options,
                                               std::shared_ptr<grpc::Channel> realtime_push,
                                               AccessCheck* access, RateLimits* limits,
                                               prometheus::Registry* metrics);

}  // namespace shopcast::gateway
