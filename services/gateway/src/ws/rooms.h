#pragma once

// The rooms of one gateway process: one upstream realtime-push Subscribe per room, its recent
// durable events in a ring (each serialized once per subprotocol), and the sockets following
// it. A socket joins at its own after_sequence: from the ring when the ring reaches back far
// enough, else through a catch-up Subscribe of its own that hands it over to the shared feed
// once it meets the ring, so no socket sees a gap or a duplicate at the seam.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "grpcpp/channel.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "ws/frames.h"
#include "ws/hub.h"
#include "ws/peer.h"

namespace shopcast::gateway::ws {

namespace rp = ::shopcast::realtime_push::v1;

struct HubMetrics {
  explicit HubMetrics(prometheus::Registry* registry);
  prometheus::Gauge* sockets = nullptr;
  prometheus::Gauge* rooms = nullptr;
  prometheus::Gauge* upstream_feeds = nullptr;
  prometheus::Gauge* upstream_catchups = nullptr;
  prometheus::Counter* upstream_reconnects = nullptr;
  prometheus::Counter* frames_in = nullptr;
  prometheus::Counter* frames_out = nullptr;
  prometheus::Counter* bad_frames = nullptr;
  prometheus::Counter* slow_cuts = nullptr;
  prometheus::Counter* stuck_closes = nullptr;
  prometheus::Counter* ephemeral_drops = nullptr;
  prometheus::Counter* events_in = nullptr;
  prometheus::Counter* upstream_unavailable = nullptr;
  prometheus::Counter* snapshot_refreshes = nullptr;
  prometheus::Counter* catchups_started = nullptr;
};

class Rooms;

// The max_events_per_message of the gateway's upstream Subscribe calls.
inline constexpr int kUpstreamEventsPerMessage = 256;

// One upstream Subscribe call (gRPC callback API). Owned by the gRPC library once started;
// deletes itself after OnDone.
class SubscribeCall final : public grpc::ClientReadReactor<rp::SubscribeResponse> {
 public:
  using OnMessage = std::function<void(rp::SubscribeResponse&)>;
  using OnEnd = std::function<void(const grpc::Status&, const std::string& reason)>;
  // Creates the call; nothing happens until Go(), which callers run without holding their locks
  // (a call that fails at once may report from inside StartCall).
  // A finite `deadline` bounds the whole call (the snapshot refresh); feeds have none.
  static SubscribeCall* Create(Rooms& rooms, const std::string& stream_id, int64_t after_sequence,
                               OnMessage on_message, OnEnd on_end,
                               absl::Time deadline = absl::InfiniteFuture());
  void Go();
  void Cancel() { ctx_.TryCancel(); }

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  SubscribeCall(Rooms& rooms, OnMessage m, OnEnd e);
  Rooms* rooms_;  // CallEnded after the context is gone (OnDone)
  grpc::ClientContext ctx_;
  rp::SubscribeRequest request_;
  rp::SubscribeResponse response_;
  OnMessage on_message_;
  OnEnd on_end_;
};

class Room : public std::enable_shared_from_this<Room> {
 public:
  Room(Rooms& rooms, std::string stream_id);
  ~Room();

  const std::string& stream_id() const { return stream_id_; }

  // Adds `peer` at after_sequence; the ack of `frame_id` and room_started reach it first.
  // False if the room has closed meanwhile (ask Rooms again).
  bool Join(const std::shared_ptr<Peer>& peer, int64_t after_sequence, const std::string& frame_id);
  // Removes `peer`; the last sequence it was sent, or -1 if it was not there.
  int64_t Leave(uint64_t peer_id);

  size_t PeerCount() const;

 private:
  friend class Rooms;
  friend class CatchUp;
  struct Follower {
    std::shared_ptr<Peer> peer;
    int64_t after = 0;  // last durable sequence queued to it
  };
  struct Waiting {
    std::shared_ptr<Peer> peer;
    int64_t after;
    std::string frame_id;
  };
  struct RingEntry {
    int64_t sequence;
    EncodedFrame frame;
  };
  // A refreshed snapshot (as a room_started frame) not yet usable: the room's own feed has not
  // reached its sequence.
  struct PendingSnapshot {
    EncodedFrame frame;
    int64_t sequence;
    absl::Time received;
  };
  struct LatestCount {
    EncodedFrame frame;
    absl::Time received;
  };
  enum class State { kStarting, kLive, kReconnecting, kClosed };

  void StartUpstream(int64_t after) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnUpstream(rp::SubscribeResponse& message);
  void OnUpstreamLocked(rp::SubscribeResponse& message) ABSL_LOCKS_EXCLUDED(mu_);
  void OnUpstreamEnd(const grpc::Status& status, const std::string& reason);
  // Serves a socket from memory, parks it for the shared snapshot refresh, or starts its catch-up.
  void Admit(Waiting w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool SnapshotFresh() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One Subscribe(after 0) for every socket joining from scratch while the snapshot is stale:
  // without it a crowd joining a room older than snapshot_max_age opens a call each.
  void StartRefresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnRefreshMessage(SubscribeCall* call, rp::SubscribeResponse& message);
  void OnRefreshEnd(SubscribeCall* call);
  // Installs pending_snapshot_ once the feed has reached it, then admits the parked sockets
  // (through their own catch-ups if the ring cannot bridge it after all).
  void MaybeInstallPending() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AdmitParked(bool via_catchup) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartCatchUp(Waiting w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends `peer` the ring's events after `after` (ack and room_started already sent), then the
  // latest counts that arrived after `counts_after` (counts are never replayed from the ring,
  // and a snapshot's are as old as the snapshot), and adds it.
  void AttachFromRing(const std::shared_ptr<Peer>& peer, int64_t after,
                      absl::Time counts_after = absl::InfinitePast())
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool RingCovers(int64_t after) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Broadcast(const EncodedFrame& frame, int64_t sequence, bool durable)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Viewer and reaction counts reach the sockets at most once per counts_interval each (the
  // latest wins, the last of a burst is always sent): realtime-push coalesces them per room
  // already, but every one is a frame to every follower, and while a crowd joins they would
  // take the hub's whole delivery capacity at 10,000 sockets.
  void BroadcastCounts(size_t kind, EncodedFrame frame) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FlushCounts() ABSL_LOCKS_EXCLUDED(mu_);
  void ResetFromSnapshot(const rp::RoomSnapshot& snapshot, const rp::SubscribeStarted& started)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends every socket's subscription (and the room): reason, retry_after.
  void EndAll(v1::RoomEndReason reason, absl::Duration retry_after);
  void FailWaiting(const absl::Status& status);
  void MaybeLinger() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Empty() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the calls created under the lock; called after releasing it.
  void GoPending() ABSL_LOCKS_EXCLUDED(mu_);

  Rooms& rooms_;
  const std::string stream_id_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kStarting;
  bool ever_started_ ABSL_GUARDED_BY(mu_) = false;
  int64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<RingEntry> ring_ ABSL_GUARDED_BY(mu_);
  // The latest snapshot (as a room_started frame) and its sequence, while the ring reaches it.
  std::optional<EncodedFrame> snapshot_ ABSL_GUARDED_BY(mu_);
  int64_t snapshot_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time snapshot_taken_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, Follower> followers_ ABSL_GUARDED_BY(mu_);
  std::vector<Waiting> waiting_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::shared_ptr<class CatchUp>> catchups_ ABSL_GUARDED_BY(mu_);
  // Sockets joining from scratch, parked until the shared snapshot refresh lands.
  std::vector<Waiting> parked_ ABSL_GUARDED_BY(mu_);
  SubscribeCall* refresh_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool refresh_got_snapshot_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<PendingSnapshot> pending_snapshot_ ABSL_GUARDED_BY(mu_);
  SubscribeCall* upstream_ ABSL_GUARDED_BY(mu_) = nullptr;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time down_since_ ABSL_GUARDED_BY(mu_);
  std::vector<SubscribeCall*> to_go_ ABSL_GUARDED_BY(mu_);
  boost::asio::steady_timer linger_timer_;  // guarded by mu_
  uint64_t linger_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  boost::asio::steady_timer retry_timer_;  // guarded by mu_
  struct CountsGate {
    std::optional<EncodedFrame> pending;
    absl::Time last_sent = absl::InfinitePast();
  };
  CountsGate counts_[2] ABSL_GUARDED_BY(mu_);  // reaction counts, viewer count
  // The latest of each kind, for sockets that join after it went out.
  std::optional<LatestCount> latest_counts_[2] ABSL_GUARDED_BY(mu_);
  bool counts_timer_armed_ ABSL_GUARDED_BY(mu_) = false;
  boost::asio::steady_timer counts_timer_;  // guarded by mu_
};

// Every room of the process.
class Rooms {
 public:
  Rooms(const WsOptions& options, std::shared_ptr<grpc::Channel> channel, HubMetrics& metrics,
        boost::asio::io_context& timers);
  ~Rooms();

  // Follows `stream_id` for `peer` from after_sequence.
  void Join(const std::string& stream_id, const std::shared_ptr<Peer>& peer, int64_t after_sequence,
            const std::string& frame_id);
  // Stops following; the last sequence queued, or -1 if it did not follow the room.
  int64_t Leave(const std::string& stream_id, uint64_t peer_id);

  size_t UpstreamCount() const;

  // Every gRPC call the hub starts is counted until its ClientContext is gone, so that the hub
  // (and the process's gRPC library) is not torn down under a call still completing.
  void CallStarted() { calls_in_flight_.fetch_add(1); }
  void CallEnded() { calls_in_flight_.fetch_sub(1); }
  // Counts one call from construction to destruction; make it a class's first member.
  struct CallGuard {
    explicit CallGuard(Rooms* r) : rooms(r) { rooms->CallStarted(); }
    ~CallGuard() { rooms->CallEnded(); }
    CallGuard(const CallGuard&) = delete;
    CallGuard& operator=(const CallGuard&) = delete;
    Rooms* rooms;
  };
  size_t RoomCount() const;

  const WsOptions& options() const { return options_; }
  rp::RealtimePushService::Stub& stub() { return *stub_; }
  HubMetrics& metrics() { return metrics_; }
  boost::asio::io_context& timers() { return timers_; }

 private:
  friend class Room;
  friend class CatchUp;
  // Removes `room` if it is still the registered one and has nobody; true if removed.
  bool RemoveIfIdle(const std::shared_ptr<Room>& room);
  void Remove(const Room* room);

  const WsOptions options_;
  std::unique_ptr<rp::RealtimePushService::Stub> stub_;
  HubMetrics& metrics_;
  boost::asio::io_context& timers_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Room>> rooms_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> upstream_calls_{0};
  std::atomic<int64_t> calls_in_flight_{0};
};

}  // namespace shopcast::gateway::ws
