#include "notify/inbox_subscribe_reactor.h"

#include <utility>

#include "absl/time/clock.h"
#include "rooms/pg_time.h"
#include "shopcast/server/status.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::notify {
namespace {

absl::Status Overloaded() {
  return Error(absl::StatusCode::kUnavailable, "SERVER_OVERLOADED",
               "server is overloaded, subscribe again later");
}

}  // namespace

InboxSubscribeReactor::InboxSubscribeReactor(grpc::CallbackServerContext* ctx, std::string user_id,
                                             const Deps& deps)
    : ctx_(ctx), user_id_(std::move(user_id)), deps_(deps) {}

grpc::ServerWriteReactor<pb::SubscribeNotificationsResponse>* InboxSubscribeReactor::Start(
    grpc::CallbackServerContext* ctx, std::string user_id, const Deps& deps) {
  auto reactor = std::make_shared<InboxSubscribeReactor>(ctx, std::move(user_id), deps);
  {
    absl::MutexLock lock(&reactor->mu_);
    reactor->self_ = reactor;
    reactor->last_write_ = absl::Now();
  }
  std::shared_ptr<InboxSubscribeReactor> self = reactor;
  if (!deps.executor.TrySubmit([self] { self->Begin(); })) reactor->FinishOnce(Overloaded());
  return reactor.get();
}

void InboxSubscribeReactor::Begin() {
  // Attached before the horizon is read: a wake-up for an entry behind it only causes a read.
  deps_.hub.Attach(user_id_, weak_from_this());
  absl::StatusOr<Horizon> h = deps_.store.Start(user_id_, absl::Now());
  if (!h.ok()) {
    FinishOnce(h.status());
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (done_ || finished_) return;
    horizon_ = h->txid;
    already_visible_.insert(h->already_visible.begin(), h->already_visible.end());
    pb::SubscribeNotificationsResponse first;
    first.set_unread_count(h->unread_count);
    pending_.push_back(std::move(first));
    started_ = true;
    // Entries committed between the horizon's read and now are found by this first read.
    dirty_ = true;
  }
  Pump();
}

void InboxSubscribeReactor::Wake() {
  {
    absl::MutexLock lock(&mu_);
    dirty_ = true;
  }
  Pump();
}

void InboxSubscribeReactor::Tick() { Wake(); }

void InboxSubscribeReactor::Close(const absl::Status& status) { FinishOnce(status); }

void InboxSubscribeReactor::Pump() {
  enum class Action { kNone, kWrite, kFetch };
  Action action = Action::kNone;
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || done_ || finished_ || finish_after_write_ || writing_) return;
    const absl::Time now = absl::Now();
    if (!pending_.empty()) {
      in_flight_ = std::move(pending_.front());
      pending_.pop_front();
      action = Action::kWrite;
    } else if (dirty_ && !busy_) {
      dirty_ = false;
      busy_ = true;
      action = Action::kFetch;
    } else if (now - last_write_ >= deps_.options.keep_alive) {
      in_flight_.Clear();
      ToProto(now, in_flight_.mutable_keep_alive()->mutable_server_time());
      action = Action::kWrite;
    }
    if (action == Action::kWrite) {
      writing_ = true;
      last_write_ = now;
    }
  }
  if (action == Action::kWrite) {
    StartWrite(&in_flight_);  // in_flight_ is left alone until OnWriteDone
  } else if (action == Action::kFetch) {
    auto self = shared_from_this();
    if (!deps_.executor.TrySubmit([self] { self->Fetch(); })) FinishOnce(Overloaded());
  }
}

void InboxSubscribeReactor::Fetch() {
  int64_t from = 0;
  {
    absl::MutexLock lock(&mu_);
    if (done_ || finished_) {
      busy_ = false;
      return;
    }
    from = horizon_;
  }
  const int max_lag = deps_.options.max_lag;
  absl::StatusOr<NewNotifications> fresh =
      deps_.store.ReadNew(user_id_, from, max_lag + 1, absl::Now());
  if (!fresh.ok()) {
    FinishOnce(fresh.status());
    return;
  }
  if (static_cast<int>(fresh->notifications.size()) > max_lag) {
    if (deps_.metrics != nullptr) deps_.metrics->SubscriberCut();
    FinishOnce(Error(absl::StatusCode::kResourceExhausted, "SUBSCRIBER_TOO_SLOW",
                     "too many notifications behind; list them and subscribe again"));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    for (pb::Notification& n : fresh->notifications) {
      if (already_visible_.erase(n.id()) > 0) continue;  // counted in the first message
      pb::SubscribeNotificationsResponse m;
      *m.mutable_notification() = std::move(n);
      pending_.push_back(std::move(m));
    }
    if (static_cast<int>(pending_.size()) > max_lag + 1) {
      // Unreachable while reads wait for an empty queue; kept as the bound's guard.
      pending_.clear();
      finish_after_write_ = Error(absl::StatusCode::kResourceExhausted, "SUBSCRIBER_TOO_SLOW",
                                  "too many notifications behind");
    }
    horizon_ = fresh->horizon;
    busy_ = false;
  }
  Pump();
}

void InboxSubscribeReactor::OnWriteDone(bool ok) {
  std::optional<absl::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    finish.swap(finish_after_write_);
    if (finish.has_value()) finished_ = true;
  }
  if (finish.has_value()) {
    Finish(server::ToGrpcStatus(*finish, ctx_));
    return;
  }
  if (!ok) {
    FinishOnce(Error(absl::StatusCode::kCancelled, "SUBSCRIBER_GONE", "the client went away"));
    return;
  }
  Pump();
}

void InboxSubscribeReactor::OnCancel() {
  FinishOnce(Error(absl::StatusCode::kCancelled, "CANCELLED", "cancelled by the client"));
}

void InboxSubscribeReactor::FinishOnce(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || finish_after_write_.has_value()) return;
    if (writing_) {
      finish_after_write_ = status;
      return;
    }
    finished_ = true;
  }
  Finish(server::ToGrpcStatus(status, ctx_));
}

void InboxSubscribeReactor::OnDone() {
  std::shared_ptr<InboxSubscribeReactor> keep;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    keep = std::move(self_);
  }
  deps_.hub.Detach(user_id_, this);
  // `keep` goes last: executor tasks or hub wake-ups still holding a reference find done_.
}

}  // namespace shopcast::realtime_push::notify
