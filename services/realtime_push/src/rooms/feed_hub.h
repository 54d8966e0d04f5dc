#pragma once

// This replica's room feeds (feed.h), one per room with subscribers here, and what keeps them
// current: local appends, the other replicas' NOTIFYs on kRoomChannel (a dedicated LISTEN
// connection that reconnects with backoff), and a poll of the heads as the fallback for
// notifications lost while that connection was down. The poll also wakes every subscriber
// once per interval (keep-alives, room-end timers).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "rooms/feed.h"
#include "rooms/room_log.h"
#include "rooms/wake_queue.h"
#include "shopcast/server/executor.h"

namespace shopcast::realtime_push::rooms {

struct FeedOptions {
  int ring_capacity = 4096;
  int load_batch = 512;
  absl::Duration poll_interval = absl::Seconds(1);
  // Rooms with at least this many subscribers here are woken in gRPC's context (feed.h).
  int combine_wakeups_from = static_cast<int>(RoomFeed::kCombineWakeupsFrom);
  // Rooms with at most this many subscribers here may be woken by gRPC's callback threads
  // (HelpWake, wake_queue.h); 0: every wake-up goes through a posted drainer.
  int help_wakeups_up_to = 1000;
};

// The entry for a stored event (its frame built once).
FeedEntry EntryOf(const StoredEvent& e);

class FeedHub {
 public:
  // `listen_dsn` opens the LISTEN connection (the pool's database). `registry` may be null.
  FeedHub(RoomLog& log, server::Executor& executor, std::string listen_dsn, FeedOptions options,
          prometheus::Registry* registry);
  ~FeedHub();  // Stop()s.
  FeedHub(const FeedHub&) = delete;
  FeedHub& operator=(const FeedHub&) = delete;

  // Also LISTENs on `channel` (on the same connection) and calls `handler(payload)` on the
  // listen thread for each notification there; the handler must not block. Another area's
  // replicas wake each other this way without a second LISTEN connection. Before Start() only.
  void AddChannel(std::string channel, std::function<void(const std::string&)> handler);

  void Start();
  void Stop();

  // The room's feed, made on first use; it lives while a subscriber holds it.
  std::shared_ptr<RoomFeed> Acquire(const std::string& stream_id);
  // A local append committed: its subscribers here get it without a database read.
  void OnAppended(const Appended& appended);
  // Appends to these rooms are about to commit here: while the guard lives, their feeds start
  // no load for the sequences being appended (RoomFeed::BeginLocalAppend). Drop it after
  // OnAppended for each.
  class LocalAppends {
   public:
    explicit LocalAppends(std::vector<std::shared_ptr<RoomFeed>> feeds);
    LocalAppends(LocalAppends&&) = default;
    LocalAppends& operator=(LocalAppends&&) = delete;
    ~LocalAppends();

   private:
    std::vector<std::shared_ptr<RoomFeed>> feeds_;
  };
  LocalAppends ExpectLocalAppends(const std::vector<std::string>& stream_ids);
  // While one lives on a thread, the wake-ups that thread's OnAppended queues (rooms with at
  // least combine_wakeups_from subscribers here) wait, and are queued together when it ends:
  // one drainer for a Publish batch, its rooms shared out from then on.
  class WakeupBatch {
   public:
    explicit WakeupBatch(FeedHub& hub);
    ~WakeupBatch();
    WakeupBatch(const WakeupBatch&) = delete;
    WakeupBatch& operator=(const WakeupBatch&) = delete;

   private:
    FeedHub& hub_;
    std::vector<WakeQueue::RoomWake>* const outer_;
    std::vector<WakeQueue::RoomWake> wakeups_;
  };
  // Called by gRPC's callback threads in callbacks they run anyway (a write completed, a
  // Publish arrived): walks one queued room, if any. Cheap when nothing is queued.
  void HelpWake() { wakeups_->Help(1); }
  // Ends every subscription on this replica with `status` (shutdown: clients resume on
  // another replica instead of waiting out the drain).
  void CloseAll(const absl::Status& status);
  // True once the LISTEN connection is up (tests wait for it before publishing elsewhere).
  bool listening() const { return listening_.load(); }

  RoomLog& log() { return log_; }
  server::Executor& executor() { return executor_; }

 private:
  std::shared_ptr<RoomFeed> Find(const std::string& stream_id);
  void RunWakeup(std::function<void()> wake, size_t listeners);
  void Load(std::shared_ptr<RoomFeed> feed, int64_t after_seq);
  void OnNotification(const std::string& payload);
  void ListenLoop();
  void PollLoop();
  void PollOnce();

  RoomLog& log_;
  server::Executor& executor_;
  const std::string listen_dsn_;
  const FeedOptions options_;
  // Shared with the drainers it posts, which may outlive the hub by a moment.
  const std::shared_ptr<WakeQueue> wakeups_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<RoomFeed>> feeds_ ABSL_GUARDED_BY(mu_);

  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  absl::Mutex stop_mu_;
  bool stop_requested_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::vector<std::pair<std::string, std::function<void(const std::string&)>>> channels_;
  std::thread listen_thread_;
  std::thread poll_thread_;

  prometheus::Gauge* feeds_gauge_ = nullptr;
  prometheus::Counter* loads_ = nullptr;
  prometheus::Counter* notifications_ = nullptr;
};

}  // namespace shopcast::realtime_push::rooms
