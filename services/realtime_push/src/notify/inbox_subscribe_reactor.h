#pragma once

// One SubscribeNotifications call: a server-streaming reactor on the callback API (no thread of
// its own). First the unread count, then every entry of the caller created after the call
// began, read from the database when woken (notify_hub.h), in the order their transactions
// ended. At most max_lag + 1 messages wait per subscriber: one who falls further behind is cut
// with RESOURCE_EXHAUSTED SUBSCRIBER_TOO_SLOW (ListNotifications then subscribe again).

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "notify/inbox_store.h"
#include "notify/notify_hub.h"
#include "notify/notify_metrics.h"
#include "shopcast/server/executor.h"

namespace shopcast::realtime_push::notify {

struct InboxSubscribeOptions {
  int max_lag = 256;
  absl::Duration keep_alive = absl::Seconds(15);
};

class InboxSubscribeReactor : public grpc::ServerWriteReactor<pb::SubscribeNotificationsResponse>,
                              public InboxListener,
                              public std::enable_shared_from_this<InboxSubscribeReactor> {
 public:
  struct Deps {
    NotifyHub& hub;
    InboxStore& store;
    server::Executor& executor;
    InboxSubscribeOptions options;
    NotifyMetrics* metrics;
  };

  // Serves `user_id`'s (authenticated) call; the reactor owns itself until gRPC is done.
  static grpc::ServerWriteReactor<pb::SubscribeNotificationsResponse>* Start(
      grpc::CallbackServerContext* ctx, std::string user_id, const Deps& deps);

  InboxSubscribeReactor(grpc::CallbackServerContext* ctx, std::string user_id, const Deps& deps);

  void Wake() override;
  void Tick() override;
  void Close(const absl::Status& status) override;

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void Begin();
  void Pump();
  void Fetch();
  void FinishOnce(const absl::Status& status);

  grpc::CallbackServerContext* const ctx_;
  const std::string user_id_;
  Deps deps_;

  absl::Mutex mu_;
  std::shared_ptr<InboxSubscribeReactor> self_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> finish_after_write_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;  // woken since the last read began
  bool busy_ ABSL_GUARDED_BY(mu_) = false;   // a read is running
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  int64_t horizon_ ABSL_GUARDED_BY(mu_) = 0;
  // Entries the first message already counted (see Horizon::already_visible).
  absl::flat_hash_set<std::string> already_visible_ ABSL_GUARDED_BY(mu_);
  std::deque<pb::SubscribeNotificationsResponse> pending_ ABSL_GUARDED_BY(mu_);
  pb::SubscribeNotificationsResponse in_flight_ ABSL_GUARDED_BY(mu_);
  absl::Time last_write_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::realtime_push::notify
