#pragma once

// In-process fan-out of one room's events to this replica's subscribers. Each event is
// serialized once into a grpc::ByteBuffer (a SubscribeResponse) and shared by every subscriber;
// the feed keeps the room's latest events in a bounded ring, and each subscriber pulls the next
// sequence it needs from it, so a subscriber costs no memory beyond its position, and one that
// falls behind the ring is served from the database or resynced (subscribe_reactor.h), never by
// growing a queue. The feed learns of new events from local appends and from the other
// replicas' NOTIFYs (FeedHub), and loads them from the log in order, one load at a time.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/support/byte_buffer.h"

namespace shopcast::realtime_push::rooms {

// A serialized SubscribeResponse, shared by every subscriber that writes it.
using Frame = std::shared_ptr<const grpc::ByteBuffer>;

// The bytes of a SubscribeResponse carrying `message_bytes` as field `field` (a oneof member),
// without parsing them again.
Frame MakeFrame(int field, const std::string& message_bytes);

// One SubscribeResponse `events` message (a RoomEventBatch) holding the events of `frames`,
// each an `event` frame as MakeFrame built it, in order: their bytes are copied, not parsed.
Frame MakeBatchFrame(const std::vector<Frame>& frames);

// Whether `frame` is a SubscribeResponse `event` (a durable or ephemeral RoomEvent).
bool IsEventFrame(const Frame& frame);

struct FeedEntry {
  int64_t seq = 0;
  Frame frame;
  // A StreamStatusChanged to ENDED or ERROR: subscribers finish a while after it.
  bool ends_room = false;
};

// What a feed wakes when it has something new. Called with no feed lock held.
class FeedListener {
 public:
  virtual ~FeedListener() = default;
  virtual void Wake() = 0;
  // An ephemeral frame (counts); a later one of the same `kind` replaces an unsent one.
  virtual void OfferEphemeral(int kind, Frame frame) = 0;
  // Ends the listener's call with `status` (the replica is shutting down).
  virtual void Close(const absl::Status& status) = 0;
};

class RoomFeed {
 public:
  enum class Lookup { kFound, kBehind, kWait };

  // Runs a wake-up of `listeners` listeners: inline without one; FeedHub queues them for
  // gRPC's threads (wake_queue.h) for rooms with at least `combine_wakeups_from` listeners
  // here (every room by default).
  using WakeRunner = std::function<void(std::function<void()>, size_t listeners)>;
  static constexpr size_t kCombineWakeupsFrom = 0;

  // `load(after_seq)` must arrange, asynchronously, for Loaded() to be called with the events
  // after `after_seq` (or LoadFailed()).
  RoomFeed(std::string stream_id, int ring_capacity,
           std::function<void(std::shared_ptr<RoomFeed>, int64_t)> load,
           WakeRunner run_wakeups = nullptr, size_t combine_wakeups_from = kCombineWakeupsFrom);

  const std::string& stream_id() const { return stream_id_; }

  // The entry for `seq`: kFound; kBehind when it left the ring (or precedes what the feed has
  // seen); kWait when it is not loaded yet. `head`, when given, gets loaded_head() as of the
  // same moment (one lock per write for every subscriber of a busy room, not two).
  Lookup Get(int64_t seq, FeedEntry* out, int64_t* head = nullptr) const;
  // Appends to `out` the entries from `seq` on while the ring holds them, up to `max_entries`
  // and `max_bytes` of frames; answers how many. One lock for the run.
  size_t GetRun(int64_t seq, size_t max_entries, size_t max_bytes,
                std::vector<FeedEntry>* out) const;
  // The last sequence loaded; -1 before the feed knows the room's head.
  int64_t loaded_head() const;

  // The room's head at some moment after the feed was created: events after it are loaded
  // from here on. Only the first call sets the start.
  void Prime(std::shared_ptr<RoomFeed> self, int64_t head);
  // The room's head is at least `seq` (a NOTIFY, a poll, a local append).
  void OnHead(std::shared_ptr<RoomFeed> self, int64_t seq);
  // A local append: used directly when it is the next sequence, else loaded in order.
  void OnAppended(std::shared_ptr<RoomFeed> self, FeedEntry entry);
  // A local append to this room is committing: no load starts until EndLocalAppend, since its
  // events arrive through OnAppended and a load would only read them back from the log (the
  // NOTIFY of a replica's own commit often reaches its LISTEN connection first). What a
  // notification announced beyond them is loaded then.
  void BeginLocalAppend();
  void EndLocalAppend(std::shared_ptr<RoomFeed> self);
  // Results of `load`: entries in order (possibly starting later than asked, if purged).
  void Loaded(std::shared_ptr<RoomFeed> self, std::vector<FeedEntry> entries);
  void LoadFailed();
  void Ephemeral(int kind, Frame frame);

  // Whether an event ending the room (stream ended or failed) has gone through the feed.
  bool ended() const;

  // What starting subscribers read from the database, kept for a short while so a crowd
  // joining at once (or a reconnect storm) reads it once per room rather than once per
  // subscriber. Only a primed feed caches: its ring follows the log from then on, so a cached
  // head may be older than the room's but never wrong about what follows it.
  struct CachedRoom {
    int64_t head = 0;
    bool closed = false;
  };
  std::optional<CachedRoom> RoomIfFresh(absl::Time now, absl::Duration ttl) const;
  void PutRoom(CachedRoom room, absl::Time read_at);
  // A SubscribeResponse `started` carrying a snapshot as of `seq`, and the sequence.
  struct CachedStart {
    int64_t seq = 0;
    Frame frame;
  };
  std::optional<CachedStart> StartIfFresh(absl::Time now, absl::Duration ttl) const;
  void PutStart(CachedStart start, absl::Time read_at);
  // Held while reading a snapshot for the cache, so a crowd waits for one read.
  absl::Mutex& snapshot_read_mu() { return snapshot_read_mu_; }

  void Attach(std::shared_ptr<FeedListener> listener);
  void Detach(const FeedListener* listener);
  size_t listeners() const;
  // Wakes every listener (keep-alives, room-end timers).
  void WakeAll();
  void CloseAll(const absl::Status& status);

 private:
  void MaybeLoadLocked(bool* start) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AppendLocked(FeedEntry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  using Listeners = std::vector<std::shared_ptr<FeedListener>>;
  // The listeners now, shared: rebuilt only after an Attach or Detach, so an event's wake-up
  // costs one reference count, and a subscriber leaving costs O(1), not a scan of the room.
  std::shared_ptr<const Listeners> ListenersCopy() const;
  // Wakes every listener through run_wakeups_.
  void WakeListeners();

  const std::string stream_id_;
  const size_t ring_capacity_;
  const std::function<void(std::shared_ptr<RoomFeed>, int64_t)> load_;
  const WakeRunner run_wakeups_;
  const size_t combine_wakeups_from_;

  mutable absl::Mutex mu_;
  std::deque<FeedEntry> ring_ ABSL_GUARDED_BY(mu_);
  int64_t loaded_head_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t wanted_head_ ABSL_GUARDED_BY(mu_) = -1;
  bool loading_ ABSL_GUARDED_BY(mu_) = false;
  int local_appends_ ABSL_GUARDED_BY(mu_) = 0;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<CachedRoom> room_ ABSL_GUARDED_BY(mu_);
  absl::Time room_at_ ABSL_GUARDED_BY(mu_);
  std::optional<CachedStart> start_ ABSL_GUARDED_BY(mu_);
  absl::Time start_at_ ABSL_GUARDED_BY(mu_);
  absl::Mutex snapshot_read_mu_;
  absl::flat_hash_map<const FeedListener*, std::shared_ptr<FeedListener>> listeners_
      ABSL_GUARDED_BY(mu_);
  mutable std::shared_ptr<const Listeners> listeners_snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::realtime_push::rooms
