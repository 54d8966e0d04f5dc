#include "rooms/feed_hub.h"

#include <algorithm>
#include <exception>
#include <pqxx/connection>
#include <pqxx/notification>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "rooms/grpc_context.h"
#include "shopcast/log/log.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/timing/backoff.h"

namespace shopcast::realtime_push::rooms {
namespace {

namespace pb = ::shopcast::realtime_push::v1;

// SubscribeResponse field numbers.
constexpr int kEventField = 2;

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::string& channel,
           std::function<void(const std::string&)> on)
      : pqxx::notification_receiver(conn, channel), on_(std::move(on)) {}
  void operator()(const std::string& payload, int) override { on_(payload); }

 private:
  std::function<void(const std::string&)> on_;
};

// The wake-ups a FeedHub::WakeupBatch on this thread holds back, if one is open.
thread_local std::vector<WakeQueue::RoomWake>* t_wakeups = nullptr;

}  // namespace

FeedHub::WakeupBatch::WakeupBatch(FeedHub& hub) : hub_(hub), outer_(t_wakeups) {
  if (outer_ == nullptr) t_wakeups = &wakeups_;
}

FeedHub::WakeupBatch::~WakeupBatch() {
  if (outer_ != nullptr) return;  // nested: the outer batch queues them
  t_wakeups = nullptr;
  if (!wakeups_.empty()) hub_.wakeups_->Push(std::move(wakeups_));
}

void FeedHub::RunWakeup(std::function<void()> wake, size_t listeners) {
  if (t_wakeups != nullptr) {
    t_wakeups->push_back(WakeQueue::RoomWake{std::move(wake), listeners});
    return;
  }
  std::vector<WakeQueue::RoomWake> one;
  one.push_back(WakeQueue::RoomWake{std::move(wake), listeners});
  wakeups_->Push(std::move(one));
}

FeedEntry EntryOf(const StoredEvent& e) {
  FeedEntry entry;
  entry.seq = e.seq;
  entry.frame = MakeFrame(kEventField, e.bytes);
  if (e.kind == pb::RoomEvent::kStreamStatusChanged) {
    pb::RoomEvent event;
    if (event.ParseFromString(e.bytes)) {
      const auto status = event.stream_status_changed().status();
      entry.ends_room =
          status == common::v1::STREAM_STATUS_ENDED || status == common::v1::STREAM_STATUS_ERROR;
    }
  }
  return entry;
}

FeedHub::FeedHub(RoomLog& log, server::Executor& executor, std::string listen_dsn,
                 FeedOptions options, prometheus::Registry* registry)
    : log_(log),
      executor_(executor),
      listen_dsn_(std::move(listen_dsn)),
      options_(options),
      wakeups_(WakeQueue::Make(RunInGrpcContext,
                               static_cast<size_t>(std::max(0, options.help_wakeups_up_to)))) {
  if (registry != nullptr) {
    feeds_gauge_ = &prometheus::BuildGauge()
                        .Name("shopcast_realtime_push_room_feeds")
                        .Help("Rooms with subscribers on this replica")
                        .Register(*registry)
                        .Add({});
    loads_ = &prometheus::BuildCounter()
                  .Name("shopcast_realtime_push_feed_loads_total")
                  .Help("Reads of new room events from the log into a feed")
                  .Register(*registry)
                  .Add({});
    notifications_ = &prometheus::BuildCounter()
                          .Name("shopcast_realtime_push_notifications_total")
                          .Help("Room notifications received on the LISTEN connection")
                          .Register(*registry)
                          .Add({});
  }
}

FeedHub::~FeedHub() { Stop(); }

void FeedHub::AddChannel(std::string channel, std::function<void(const std::string&)> handler) {
  channels_.emplace_back(std::move(channel), std::move(handler));
}

void FeedHub::Start() {
  listen_thread_ = std::thread([this] { ListenLoop(); });
  poll_thread_ = std::thread([this] { PollLoop(); });
}

void FeedHub::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    stop_requested_ = true;
  }
  stopping_ = true;
  if (listen_thread_.joinable()) listen_thread_.join();
  if (poll_thread_.joinable()) poll_thread_.join();
}

std::shared_ptr<RoomFeed> FeedHub::Acquire(const std::string& stream_id) {
  absl::MutexLock lock(&mu_);
  auto& slot = feeds_[stream_id];
  if (auto feed = slot.lock()) return feed;
  auto feed = std::make_shared<RoomFeed>(
      stream_id, options_.ring_capacity,
      [this](std::shared_ptr<RoomFeed> f, int64_t after) { Load(std::move(f), after); },
      [this](std::function<void()> wake, size_t listeners) {
        RunWakeup(std::move(wake), listeners);
      },
      static_cast<size_t>(std::max(0, options_.combine_wakeups_from)));
  slot = feed;
  if (feeds_gauge_ != nullptr) feeds_gauge_->Set(static_cast<double>(feeds_.size()));
  return feed;
}

std::shared_ptr<RoomFeed> FeedHub::Find(const std::string& stream_id) {
  absl::MutexLock lock(&mu_);
  auto it = feeds_.find(stream_id);
  if (it == feeds_.end()) return nullptr;
  return it->second.lock();
}

void FeedHub::CloseAll(const absl::Status& status) {
  std::vector<std::shared_ptr<RoomFeed>> feeds;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, weak] : feeds_) {
      if (auto f = weak.lock()) feeds.push_back(std::move(f));
    }
  }
  for (auto& f : feeds) f->CloseAll(status);
}

void FeedHub::OnAppended(const Appended& appended) {
  if (appended.duplicate) return;
  std::shared_ptr<RoomFeed> feed = Find(appended.stream_id);
  if (feed == nullptr) return;
  feed->OnAppended(feed, EntryOf(StoredEvent{appended.seq, appended.kind, appended.bytes}));
}

FeedHub::LocalAppends::LocalAppends(std::vector<std::shared_ptr<RoomFeed>> feeds)
    : feeds_(std::move(feeds)) {
  for (auto& f : feeds_) f->BeginLocalAppend();
}

FeedHub::LocalAppends::~LocalAppends() {
  for (auto& f : feeds_) {
    if (f != nullptr) f->EndLocalAppend(f);
  }
}

FeedHub::LocalAppends FeedHub::ExpectLocalAppends(const std::vector<std::string>& stream_ids) {
  std::vector<std::shared_ptr<RoomFeed>> feeds;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& id : stream_ids) {
      auto it = feeds_.find(id);
      if (it == feeds_.end()) continue;
      if (auto f = it->second.lock()) feeds.push_back(std::move(f));
    }
  }
  return LocalAppends(std::move(feeds));
}

void FeedHub::Load(std::shared_ptr<RoomFeed> feed, int64_t after_seq) {
  if (loads_ != nullptr) loads_->Increment();
  const bool queued = executor_.TrySubmit([this, feed, after_seq]() mutable {
    auto events = log_.ReadAfter(feed->stream_id(), after_seq, options_.load_batch);
    if (!events.ok()) {
      log::Warn("room_feed_load_failed")
          .Kv("stream_id", feed->stream_id())
          .Kv("detail", std::string(events.status().message()));
      feed->LoadFailed();
      return;
    }
    std::vector<FeedEntry> entries;
    entries.reserve(events->size());
    for (const StoredEvent& e : *events) entries.push_back(EntryOf(e));
    feed->Loaded(feed, std::move(entries));
  });
  if (!queued) feed->LoadFailed();  // the next poll asks again
}

void FeedHub::OnNotification(const std::string& payload) {
  if (notifications_ != nullptr) notifications_->Increment();
  std::vector<std::string> parts = absl::StrSplit(payload, absl::MaxSplits(' ', 2));
  if (parts.size() != 3) return;
  std::shared_ptr<RoomFeed> feed = Find(parts[1]);
  if (feed == nullptr) return;
  if (parts[0] == "d") {
    int64_t seq = 0;
    if (absl::SimpleAtoi(parts[2], &seq)) feed->OnHead(feed, seq);
  } else if (parts[0] == "e") {
    std::string bytes;
    pb::RoomEvent event;
    if (!absl::Base64Unescape(parts[2], &bytes) || !event.ParseFromString(bytes)) return;
    event.set_sequence(std::max<int64_t>(0, feed->loaded_head()));
    feed->Ephemeral(event.payload_case(), MakeFrame(kEventField, event.SerializeAsString()));
  }
}

void FeedHub::ListenLoop() {
  const timing::BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5)};
  int failures = 0;
  while (!stopping_) {
    try {
      pqxx::connection conn(listen_dsn_ + " application_name=shopcast-realtime-push-listen");
      Receiver receiver(conn, kRoomChannel, [this](const std::string& p) { OnNotification(p); });
      std::vector<std::unique_ptr<Receiver>> others;
      for (const auto& [channel, handler] : channels_) {
        others.push_back(std::make_unique<Receiver>(conn, channel, handler));
      }
      listening_ = true;
      failures = 0;
      // Notifications sent while we were not listening are found by the poll: run one now.
      PollOnce();
      while (!stopping_) conn.await_notification(0, 200 * 1000);
    } catch (const std::exception& e) {
      log::Warn("room_listen_failed").Kv("detail", e.what());
    }
    listening_ = false;
    absl::MutexLock lock(&stop_mu_);
    stop_mu_.AwaitWithTimeout(absl::Condition(&stop_requested_),
                              timing::JitteredBackoff(policy, ++failures));
  }
}

void FeedHub::PollLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&stop_mu_);
      if (stop_mu_.AwaitWithTimeout(absl::Condition(&stop_requested_), options_.poll_interval)) {
        return;
      }
    }
    PollOnce();
  }
}

void FeedHub::PollOnce() {
  std::vector<std::shared_ptr<RoomFeed>> feeds;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = feeds_.begin(); it != feeds_.end();) {
      if (auto f = it->second.lock()) {
        feeds.push_back(std::move(f));
        ++it;
      } else {
        feeds_.erase(it++);
      }
    }
    if (feeds_gauge_ != nullptr) feeds_gauge_->Set(static_cast<double>(feeds_.size()));
  }
  if (feeds.empty()) return;
  std::vector<std::string> ids;
  ids.reserve(feeds.size());
  for (const auto& f : feeds) ids.push_back(f->stream_id());
  auto heads = log_.Heads(ids);
  if (heads.ok()) {
    absl::flat_hash_map<std::string, int64_t> by_id(heads->begin(), heads->end());
    for (auto& f : feeds) {
      auto it = by_id.find(f->stream_id());
      if (it != by_id.end()) f->OnHead(f, it->second);
    }
  }
  for (auto& f : feeds) f->WakeAll();
}

}  // namespace shopcast::realtime_push::rooms
