#pragma once

// One Subscribe call: a server-streaming reactor on the callback API (no thread of its own)
// writing pre-serialized frames. It starts from a snapshot or resumes after the client's
// sequence, then follows the room's feed one sequence at a time: from the feed's ring when
// the event is there, from the log (a page at a time, on the executor) when it is older, and
// with a resync (a fresh snapshot) when it lags more than max_lag events behind the feed or
// its next event was purged. One write is in flight at a time; nothing queues per subscriber
// beyond one page, so a slow reader costs neither memory nor the room's pace. A subscriber that
// asked for batches gets the events due when its write completes (a backlog behind a slow
// network or a busy server, or a catch-up page) in one message: the busier the server, the
// fewer writes per event, rather than more queued ones.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "rooms/feed.h"
#include "rooms/feed_hub.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/server/interceptor.h"

namespace shopcast::realtime_push::rooms {

// An `events` message holds at most this many bytes of events (more only for a single event).
inline constexpr std::size_t kMaxBatchBytes = 64 * 1024;
// The largest max_events_per_message a request may ask for.
inline constexpr int kMaxEventsPerMessage = 1024;

struct SubscribeOptions {
  // Events a live subscriber may trail the feed's head by before it is resynced.
  int max_lag = 1024;
  // Events read from the log per page while catching up.
  int catchup_batch = 256;
  // A keep-alive after this long without a write.
  absl::Duration keep_alive = absl::Seconds(15);
  // How long a subscription stays open after the room ended (late events, then OK).
  absl::Duration end_linger = absl::Seconds(2);
  // How long a room's head and snapshot, once read, serve further subscribers starting on
  // this replica (feed.h); zero reads them for every subscriber. A snapshot served from it is
  // at most this old, and the events after it follow, so only the counts in it (viewers,
  // likes: pushed coalesced anyway) can be that much behind.
  absl::Duration start_cache_ttl = absl::Milliseconds(500);
};

// Subscribe's full method name ("/package.Service/Method"), as interceptors know it.
const std::string& SubscribeMethod();

struct SubscribeMetrics {
  explicit SubscribeMetrics(prometheus::Registry* registry);
  prometheus::Gauge* subscribers = nullptr;
  prometheus::Counter* events_sent = nullptr;
  // Messages that carried several events (subscribers asking for max_events_per_message).
  prometheus::Counter* batches_sent = nullptr;
  prometheus::Counter* resyncs_slow = nullptr;
  prometheus::Counter* resyncs_expired = nullptr;
  prometheus::Counter* catchup_pages = nullptr;
  // Subscribe calls started from the feed's memory, or with database reads.
  prometheus::Counter* starts_memory = nullptr;
  prometheus::Counter* starts_database = nullptr;
};

class SubscribeReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                         public FeedListener,
                         public std::enable_shared_from_this<SubscribeReactor> {
 public:
  // Starts serving the call; the reactor owns itself until gRPC is done with it. With
  // `observability` (the method left out of the interceptor) the reactor records the call.
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* Start(
      grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request, FeedHub& hub,
      const SubscribeOptions& options, SubscribeMetrics* metrics,
      server::ObservabilityInterceptorFactory* observability = nullptr);

  void Wake() override;
  void OfferEphemeral(int kind, Frame frame) override;
  void Close(const absl::Status& status) override;

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  SubscribeReactor(grpc::CallbackServerContext* ctx, FeedHub& hub, const SubscribeOptions& options,
                   SubscribeMetrics* metrics,
                   server::ObservabilityInterceptorFactory* observability);

 private:
  enum class Reason { kTooSlow = 1, kExpired = 2 };

  // Starts the call from `request`; with `may_block` false only from what the feed holds in
  // memory, answering false (nothing done) when the database is needed.
  bool Begin(const pb::SubscribeRequest& request, const std::shared_ptr<RoomFeed>& feed,
             bool may_block);
  void Pump();
  void FetchPage(int64_t after_seq);
  void SendResync(Reason reason);
  void FinishOnce(const absl::Status& status);
  // Finish(status), noted for the call's record.
  void SendFinish(const absl::Status& status);

  grpc::CallbackServerContext* const ctx_;
  FeedHub& hub_;
  const SubscribeOptions options_;
  SubscribeMetrics* const metrics_;
  // The access log line and per-RPC metrics, recorded at OnDone (gRPC calls Finish, OnDone
  // once each; the status is set just before the one Finish).
  server::ObservedCall observed_;

  absl::Mutex mu_;
  std::shared_ptr<SubscribeReactor> self_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<RoomFeed> feed_ ABSL_GUARDED_BY(mu_);
  std::string stream_id_ ABSL_GUARDED_BY(mu_);
  // Finish waits for the write in flight: gRPC must not see StartWrite and Finish at once.
  std::optional<absl::Status> finish_after_write_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;  // Begin has queued the first message
  bool busy_ ABSL_GUARDED_BY(mu_) = false;     // a log read or snapshot is running
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // Has read from the feed's ring (or waited at its head): from then on, falling behind the
  // ring means too slow (resync), not catching up (log pages).
  bool reached_feed_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<FeedEntry> pending_ ABSL_GUARDED_BY(mu_);  // written before the feed is read
  std::map<int, Frame> ephemeral_ ABSL_GUARDED_BY(mu_);
  Frame in_flight_ ABSL_GUARDED_BY(mu_);
  absl::Time last_write_ ABSL_GUARDED_BY(mu_);
  absl::Time end_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // Writes not yet added to metrics_->events_sent (reported every kWritesPerReport and at the
  // end).
  static constexpr int kWritesPerReport = 64;
  int unreported_writes_ ABSL_GUARDED_BY(mu_) = 0;
  // Batches (one `events` message for several events) not yet added to metrics_->batches.
  int unreported_batches_ ABSL_GUARDED_BY(mu_) = 0;
  // The request's max_events_per_message: events due at once go out in one message of up to
  // this many (1: one event per message).
  size_t max_batch_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace shopcast::realtime_push::rooms
