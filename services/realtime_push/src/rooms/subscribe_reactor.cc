#include "rooms/subscribe_reactor.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rooms/ids.h"
#include "rooms/pg_time.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/server/status.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::rooms {
namespace {

namespace pb = ::shopcast::realtime_push::v1;

// SubscribeResponse field numbers.
constexpr int kStartedField = 1;
constexpr int kKeepAliveField = 3;
constexpr int kResyncField = 4;

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

}  // namespace

const std::string& SubscribeMethod() {
  static const std::string* name = new std::string(
      std::string("/") + pb::RealtimePushService::service_full_name() + "/Subscribe");
  return *name;
}

SubscribeMetrics::SubscribeMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  subscribers = &prometheus::BuildGauge()
                     .Name("shopcast_realtime_push_subscribers")
                     .Help("Open Subscribe calls on this replica")
                     .Register(*registry)
                     .Add({});
  events_sent = &prometheus::BuildCounter()
                     .Name("shopcast_realtime_push_events_sent_total")
                     .Help("Room events written to subscribers")
                     .Register(*registry)
                     .Add({});
  batches_sent = &prometheus::BuildCounter()
                      .Name("shopcast_realtime_push_event_batches_sent_total")
                      .Help("Messages to subscribers that carried several room events at once")
                      .Register(*registry)
                      .Add({});
  auto& resyncs = prometheus::BuildCounter()
                      .Name("shopcast_realtime_push_resyncs_total")
                      .Help("Subscribers sent a fresh snapshot instead of the events they missed")
                      .Register(*registry);
  resyncs_slow = &resyncs.Add({{"reason", "too_slow"}});
  resyncs_expired = &resyncs.Add({{"reason", "events_expired"}});
  catchup_pages = &prometheus::BuildCounter()
                       .Name("shopcast_realtime_push_catchup_pages_total")
                       .Help("Pages of older events read from the log for a subscriber")
                       .Register(*registry)
                       .Add({});
  auto& starts = prometheus::BuildCounter()
                     .Name("shopcast_realtime_push_subscribe_starts_total")
                     .Help("Subscribe calls started from the room feed's memory or the database")
                     .Register(*registry);
  starts_memory = &starts.Add({{"from", "memory"}});
  starts_database = &starts.Add({{"from", "database"}});
}

SubscribeReactor::SubscribeReactor(grpc::CallbackServerContext* ctx, FeedHub& hub,
                                   const SubscribeOptions& options, SubscribeMetrics* metrics,
                                   server::ObservabilityInterceptorFactory* observability)
    : ctx_(ctx),
      hub_(hub),
      options_(options),
      metrics_(metrics),
      observed_(observability, SubscribeMethod(), ctx) {}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscribeReactor::Start(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request, FeedHub& hub,
    const SubscribeOptions& options, SubscribeMetrics* metrics,
    server::ObservabilityInterceptorFactory* observability) {
  auto reactor = std::make_shared<SubscribeReactor>(ctx, hub, options, metrics, observability);
  {
    absl::MutexLock lock(&reactor->mu_);
    reactor->self_ = reactor;
    reactor->last_write_ = absl::Now();
  }
  if (metrics != nullptr && metrics->subscribers != nullptr) metrics->subscribers->Increment();
  auto parsed = std::make_shared<pb::SubscribeRequest>();
  if (!parsed->ParseFromString(Flatten(*request))) {
    reactor->FinishOnce(InvalidArgument("", "MALFORMED_REQUEST", "request does not parse"));
    return reactor.get();
  }
  if (absl::Status s = ValidateStreamId(parsed->stream_id()); !s.ok()) {
    reactor->FinishOnce(s);
    return reactor.get();
  }
  if (parsed->after_sequence() < 0) {
    reactor->FinishOnce(InvalidArgument("after_sequence", "SEQUENCE_INVALID",
                                        "after_sequence must not be negative"));
    return reactor.get();
  }
  if (parsed->max_events_per_message() < 0 ||
      parsed->max_events_per_message() > kMaxEventsPerMessage) {
    reactor->FinishOnce(
        InvalidArgument("max_events_per_message", "MAX_EVENTS_PER_MESSAGE_INVALID",
                        absl::StrCat("max_events_per_message must be 0..", kMaxEventsPerMessage)));
    return reactor.get();
  }
  {
    absl::MutexLock lock(&reactor->mu_);
    reactor->max_batch_ = static_cast<size_t>(std::max(1, parsed->max_events_per_message()));
  }
  // The feed exists before the head is read, so no event appended after that read is missed.
  std::shared_ptr<RoomFeed> feed = hub.Acquire(parsed->stream_id());
  // A crowd joining a watched room, or a reconnect storm, starts here without the database
  // or the executor's queue.
  if (reactor->Begin(*parsed, feed, /*may_block=*/false)) return reactor.get();
  std::shared_ptr<SubscribeReactor> self = reactor;
  if (!hub.executor().TrySubmit([self, parsed, feed] { self->Begin(*parsed, feed, true); })) {
    reactor->FinishOnce(Error(absl::StatusCode::kUnavailable, "SERVER_OVERLOADED",
                              "server is overloaded, retry later"));
  }
  return reactor.get();
}

bool SubscribeReactor::Begin(const pb::SubscribeRequest& request,
                             const std::shared_ptr<RoomFeed>& feed, bool may_block) {
  RoomLog& log = hub_.log();
  const absl::Duration ttl = options_.start_cache_ttl;
  const absl::Time now = absl::Now();
  const int64_t after = request.after_sequence();

  // The room: its head (nothing may be asked for beyond it) and whether it has ended.
  std::optional<RoomFeed::CachedRoom> room = feed->RoomIfFresh(now, ttl);
  if (room.has_value() && after > std::max(room->head, feed->loaded_head())) {
    room.reset();  // newer than what we know: ask the database
  }
  bool read_database = false;
  if (!room.has_value()) {
    if (!may_block) return false;
    read_database = true;
    absl::StatusOr<Room> stored = log.GetRoom(request.stream_id());
    if (!stored.ok()) {
      FinishOnce(stored.status());
      return true;
    }
    room = RoomFeed::CachedRoom{stored->head_seq, stored->closed_at.has_value()};
    feed->Prime(feed, stored->head_seq);
    feed->PutRoom(*room, now);
    room->closed = room->closed || feed->ended();
  }
  if (after > std::max(room->head, feed->loaded_head())) {
    FinishOnce(Error(absl::StatusCode::kFailedPrecondition, "SEQUENCE_AHEAD",
                     "after_sequence is beyond the room's last event", "after_sequence"));
    return true;
  }

  // Resume when the next event is still to be had: in the feed's ring (or yet to come), else
  // in the log.
  bool resumed = false;
  if (after > 0) {
    FeedEntry ignored;
    const RoomFeed::Lookup next = feed->Get(after + 1, &ignored);
    if (next != RoomFeed::Lookup::kBehind) {
      resumed = true;
    } else {
      if (!may_block) return false;
      read_database = true;
      absl::StatusOr<int64_t> oldest = log.OldestRetained(request.stream_id());
      if (!oldest.ok()) {
        FinishOnce(oldest.status());
        return true;
      }
      resumed = after + 1 >= *oldest;
    }
  }

  FeedEntry first;
  int64_t next_seq = 0;
  if (resumed) {
    pb::SubscribeStarted started;
    started.set_head_sequence(std::max(room->head, feed->loaded_head()));
    started.set_resumed(true);
    first.frame = MakeFrame(kStartedField, started.SerializeAsString());
    next_seq = after + 1;
  } else {
    std::optional<RoomFeed::CachedStart> start = feed->StartIfFresh(now, ttl);
    if (!start.has_value()) {
      if (!may_block) return false;
      // One read per room however many wait: the rest find it cached.
      absl::MutexLock read_lock(&feed->snapshot_read_mu());
      start = feed->StartIfFresh(absl::Now(), ttl);
      if (!start.has_value()) {
        const absl::Time read_at = absl::Now();
        read_database = true;
        absl::StatusOr<pb::RoomSnapshot> snapshot = log.Snapshot(request.stream_id(), read_at);
        if (!snapshot.ok()) {
          FinishOnce(snapshot.status());
          return true;
        }
        pb::SubscribeStarted started;
        started.set_head_sequence(snapshot->sequence());
        const int64_t seq = snapshot->sequence();
        *started.mutable_snapshot() = *std::move(snapshot);
        start = RoomFeed::CachedStart{seq, MakeFrame(kStartedField, started.SerializeAsString())};
        if (ttl > absl::ZeroDuration()) feed->PutStart(*start, read_at);
      }
    }
    first.frame = start->frame;
    next_seq = start->seq + 1;
  }
  if (metrics_ != nullptr) {
    prometheus::Counter* c = read_database ? metrics_->starts_database : metrics_->starts_memory;
    if (c != nullptr) c->Increment();
  }
  {
    absl::MutexLock lock(&mu_);
    if (done_ || finished_) return true;
    feed_ = feed;
    stream_id_ = request.stream_id();
    next_seq_ = next_seq;
    pending_.push_back(std::move(first));
    if (room->closed) end_at_ = absl::Now() + options_.end_linger;
    started_ = true;
    feed->Attach(self_);
  }
  Pump();
  return true;
}

void SubscribeReactor::Wake() { Pump(); }

void SubscribeReactor::OfferEphemeral(int kind, Frame frame) {
  absl::MutexLock lock(&mu_);
  ephemeral_[kind] = std::move(frame);
}

void SubscribeReactor::Close(const absl::Status& status) { FinishOnce(status); }

void SubscribeReactor::Pump() {
  enum class Action { kNone, kWrite, kFetch, kResync, kFinish };
  Action action = Action::kNone;
  Frame frame;
  const grpc::ByteBuffer* write = nullptr;  // in_flight_'s, which keeps it until OnWriteDone
  int64_t fetch_after = 0;
  int report = 0;
  int report_batches = 0;
  std::vector<Frame> batch;  // events written together, when more than one is due
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || done_ || finished_ || finish_after_write_ || writing_ || busy_) return;
    const absl::Time now = absl::Now();
    if (!pending_.empty()) {
      FeedEntry e = std::move(pending_.front());
      pending_.pop_front();
      if (e.ends_room) end_at_ = std::min(end_at_, now + options_.end_linger);
      frame = std::move(e.frame);
      action = Action::kWrite;
      // A catch-up page: the events after it go in the same message, up to the bounds.
      if (max_batch_ > 1 && IsEventFrame(frame)) {
        size_t bytes = frame->Length();
        batch.push_back(frame);
        while (batch.size() < max_batch_ && !pending_.empty() &&
               IsEventFrame(pending_.front().frame) &&
               bytes + pending_.front().frame->Length() <= kMaxBatchBytes) {
          FeedEntry next = std::move(pending_.front());
          pending_.pop_front();
          if (next.ends_room) end_at_ = std::min(end_at_, now + options_.end_linger);
          bytes += next.frame->Length();
          batch.push_back(std::move(next.frame));
        }
      }
    } else {
      FeedEntry e;
      int64_t head = 0;
      switch (feed_->Get(next_seq_, &e, &head)) {
        case RoomFeed::Lookup::kFound:
          reached_feed_ = true;
          if (head - next_seq_ > options_.max_lag) {
            action = Action::kResync;
          } else {
            if (e.ends_room) end_at_ = std::min(end_at_, now + options_.end_linger);
            ++next_seq_;
            frame = std::move(e.frame);
            action = Action::kWrite;
            // Events that came while the last write was in flight go together.
            if (max_batch_ > 1 && head >= next_seq_ && frame->Length() < kMaxBatchBytes) {
              std::vector<FeedEntry> run;
              feed_->GetRun(next_seq_, max_batch_ - 1, kMaxBatchBytes - frame->Length(), &run);
              if (!run.empty()) {
                batch.reserve(run.size() + 1);
                batch.push_back(frame);
                for (FeedEntry& r : run) {
                  if (r.ends_room) end_at_ = std::min(end_at_, now + options_.end_linger);
                  batch.push_back(std::move(r.frame));
                }
                next_seq_ += static_cast<int64_t>(run.size());
              }
            }
          }
          break;
        case RoomFeed::Lookup::kBehind:
          // A reader that kept up once and is now behind the whole ring is too slow for the
          // room: a fresh snapshot, not a replay it would fall behind on again. One catching up
          // after a resume (it never reached the ring) reads the log a page at a time.
          if (reached_feed_) {
            action = Action::kResync;
          } else {
            action = Action::kFetch;
            fetch_after = next_seq_ - 1;
          }
          break;
        case RoomFeed::Lookup::kWait:
          reached_feed_ = true;
          if (!ephemeral_.empty()) {
            frame = std::move(ephemeral_.begin()->second);
            ephemeral_.erase(ephemeral_.begin());
            action = Action::kWrite;
          } else if (now >= end_at_) {
            action = Action::kFinish;
          } else if (now - last_write_ >= options_.keep_alive) {
            pb::KeepAlive keep_alive;
            ToProto(now, keep_alive.mutable_server_time());
            frame = MakeFrame(kKeepAliveField, keep_alive.SerializeAsString());
            action = Action::kWrite;
          }
          break;
      }
    }
    if (action == Action::kWrite) {
      writing_ = true;
      // Moved, not copied: every subscriber of a room counts references on the same frame. A
      // batch is this subscriber's own: its events' bytes copied once more.
      if (batch.size() > 1) {
        in_flight_ = MakeBatchFrame(batch);
        unreported_writes_ += static_cast<int>(batch.size());
        ++unreported_batches_;
      } else {
        in_flight_ = std::move(frame);
        ++unreported_writes_;
      }
      write = in_flight_.get();
      last_write_ = now;
      // The shared counter is one cache line every core's writes would fight over: report
      // in steps.
      if (unreported_writes_ >= kWritesPerReport) {
        report = std::exchange(unreported_writes_, 0);
        report_batches = std::exchange(unreported_batches_, 0);
      }
    } else if (action == Action::kFetch || action == Action::kResync) {
      busy_ = true;
    }
  }
  switch (action) {
    case Action::kWrite:
      if (report > 0 && metrics_ != nullptr && metrics_->events_sent != nullptr) {
        metrics_->events_sent->Increment(report);
      }
      if (report_batches > 0 && metrics_ != nullptr && metrics_->batches_sent != nullptr) {
        metrics_->batches_sent->Increment(report_batches);
      }
      StartWrite(write);
      break;
    case Action::kFetch: {
      auto self = shared_from_this();
      if (!hub_.executor().TrySubmit([self, fetch_after] { self->FetchPage(fetch_after); })) {
        FinishOnce(Error(absl::StatusCode::kUnavailable, "SERVER_OVERLOADED",
                         "server is overloaded, resume from your last sequence"));
      }
      break;
    }
    case Action::kResync: {
      auto self = shared_from_this();
      if (!hub_.executor().TrySubmit([self] { self->SendResync(Reason::kTooSlow); })) {
        FinishOnce(Error(absl::StatusCode::kUnavailable, "SERVER_OVERLOADED",
                         "server is overloaded, resume from your last sequence"));
      }
      break;
    }
    case Action::kFinish:
      FinishOnce(absl::OkStatus());
      break;
    case Action::kNone:
      break;
  }
}

void SubscribeReactor::FetchPage(int64_t after_seq) {
  if (metrics_ != nullptr && metrics_->catchup_pages != nullptr)
    metrics_->catchup_pages->Increment();
  std::string stream_id;
  {
    absl::MutexLock lock(&mu_);
    if (done_ || finished_) {
      busy_ = false;
      return;
    }
    stream_id = stream_id_;
  }
  absl::StatusOr<std::vector<StoredEvent>> events =
      hub_.log().ReadAfter(stream_id, after_seq, options_.catchup_batch);
  if (!events.ok()) {
    FinishOnce(events.status());
    return;
  }
  if (events->empty() || events->front().seq != after_seq + 1) {
    // The next event left the log (retention) before this subscriber got it.
    SendResync(Reason::kExpired);
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    for (const StoredEvent& e : *events) pending_.push_back(EntryOf(e));
    next_seq_ = events->back().seq + 1;
    busy_ = false;
  }
  Pump();
}

void SubscribeReactor::SendResync(Reason reason) {
  std::string stream_id;
  {
    absl::MutexLock lock(&mu_);
    if (done_ || finished_) {
      busy_ = false;
      return;
    }
    stream_id = stream_id_;
  }
  absl::StatusOr<pb::RoomSnapshot> snapshot = hub_.log().Snapshot(stream_id, absl::Now());
  if (!snapshot.ok()) {
    FinishOnce(snapshot.status());
    return;
  }
  if (metrics_ != nullptr) {
    prometheus::Counter* c =
        reason == Reason::kTooSlow ? metrics_->resyncs_slow : metrics_->resyncs_expired;
    if (c != nullptr) c->Increment();
  }
  pb::Resync resync;
  resync.set_reason(reason == Reason::kTooSlow ? pb::Resync::REASON_TOO_SLOW
                                               : pb::Resync::REASON_EVENTS_EXPIRED);
  const int64_t next = snapshot->sequence() + 1;
  *resync.mutable_snapshot() = *std::move(snapshot);
  {
    absl::MutexLock lock(&mu_);
    pending_.clear();
    ephemeral_.clear();  // the snapshot carries the counts
    pending_.push_back(FeedEntry{0, MakeFrame(kResyncField, resync.SerializeAsString()), false});
    next_seq_ = next;
    busy_ = false;
  }
  Pump();
}

void SubscribeReactor::OnWriteDone(bool ok) {
  std::optional<absl::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    in_flight_.reset();
    finish.swap(finish_after_write_);
    if (finish.has_value()) finished_ = true;
  }
  if (finish.has_value()) {
    SendFinish(*finish);
    return;
  }
  if (!ok) {
    FinishOnce(Error(absl::StatusCode::kCancelled, "SUBSCRIBER_GONE", "the client went away"));
    return;
  }
  Pump();
  // gRPC runs this on one of its callback threads: walk one queued room from here
  // (wake_queue.h), so the fan-out runs where the writes complete, on every core.
  hub_.HelpWake();
}

void SubscribeReactor::OnCancel() {
  FinishOnce(Error(absl::StatusCode::kCancelled, "CANCELLED", "cancelled by the client"));
}

void SubscribeReactor::FinishOnce(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || finish_after_write_.has_value()) return;
    if (writing_) {
      finish_after_write_ = status;
      return;
    }
    finished_ = true;
  }
  SendFinish(status);
}

void SubscribeReactor::SendFinish(const absl::Status& status) {
  grpc::Status st = server::ToGrpcStatus(status, ctx_);
  observed_.SetStatus(st.error_code(), ReasonOf(status));
  Finish(std::move(st));
}

void SubscribeReactor::OnDone() {
  std::shared_ptr<SubscribeReactor> keep;
  std::shared_ptr<RoomFeed> feed;
  int report = 0;
  int report_batches = 0;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    report = std::exchange(unreported_writes_, 0);
    report_batches = std::exchange(unreported_batches_, 0);
    keep = std::move(self_);
    feed = std::move(feed_);
  }
  if (feed != nullptr) feed->Detach(this);
  if (metrics_ != nullptr && metrics_->events_sent != nullptr && report > 0) {
    metrics_->events_sent->Increment(report);
  }
  if (metrics_ != nullptr && metrics_->batches_sent != nullptr && report_batches > 0) {
    metrics_->batches_sent->Increment(report_batches);
  }
  if (metrics_ != nullptr && metrics_->subscribers != nullptr) metrics_->subscribers->Decrement();
  observed_.Record();
  // `keep` goes last: executor tasks or feed wake-ups still holding a reference find done_.
}

}  // namespace shopcast::realtime_push::rooms
