#include "subscribers.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "grpcpp/support/client_callback.h"

namespace shopcast::bench::fanout {

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One Subscribe call. It owns itself (through self_) until gRPC calls OnDone.
class Subscription final : public grpc::ClientReadReactor<pb::SubscribeResponse>,
                           public std::enable_shared_from_this<Subscription> {
 public:
  Subscription(SubscriberSet& set, SubscriberState& state) : set_(set), state_(state) {}

  void Start(pb::RealtimePushService::Stub& stub, int64_t after_seq) {
    self_ = shared_from_this();
    request_.set_stream_id(set_.room_id(state_.room));
    request_.set_after_sequence(after_seq);
    request_.set_max_events_per_message(set_.max_events_per_message());
    stub.async()->Subscribe(&ctx_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void Cancel() { ctx_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    Apply(response_);
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    if (!live_ && !status.ok()) set_.NoteRefusal(status);
    set_.OnEnded(state_, live_);
    std::shared_ptr<Subscription> keep = std::move(self_);  // may destroy *this on return
  }

 private:
  void Apply(const pb::SubscribeResponse& r) {
    switch (r.message_case()) {
      case pb::SubscribeResponse::kStarted:
        // A snapshot replaces the state: events follow from its sequence. A resume that came
        // back as a snapshot skipped events, which is a loss.
        if (!r.started().resumed()) {
          if (request_.after_sequence() > 0) state_.resyncs.fetch_add(1);
          state_.last_seq.store(r.started().snapshot().sequence());
        }
        live_ = true;
        state_.live.store(true);
        set_.OnStarted(state_);
        break;
      case pb::SubscribeResponse::kEvent:
        ApplyEvent(r.event());
        break;
      case pb::SubscribeResponse::kEvents:
        for (const pb::RoomEvent& e : r.events().events()) ApplyEvent(e);
        break;
      case pb::SubscribeResponse::kResync:
        state_.resyncs.fetch_add(1);
        state_.last_seq.store(r.resync().snapshot().sequence());
        break;
      default:
        break;  // keep-alives
    }
  }

  void ApplyEvent(const pb::RoomEvent& e) {
    if (e.ephemeral()) return;
    const int64_t last = state_.last_seq.load(std::memory_order_relaxed);
    if (e.sequence() <= last) {
      state_.repeats.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (e.sequence() != last + 1) state_.gaps.fetch_add(1, std::memory_order_relaxed);
    state_.last_seq.store(e.sequence(), std::memory_order_relaxed);
    const std::string& stamp = e.product_updated().product().title();
    int64_t sent_ns = 0;
    if (std::from_chars(stamp.data(), stamp.data() + stamp.size(), sent_ns).ec == std::errc()) {
      set_.latency().Record(SteadyNowNs() - sent_ns);
    }
  }

  SubscriberSet& set_;
  SubscriberState& state_;
  grpc::ClientContext ctx_;
  pb::SubscribeRequest request_;
  pb::SubscribeResponse response_;
  bool live_ = false;  // only gRPC's serialized callbacks touch it
  std::shared_ptr<Subscription> self_;
};

SubscriberSet::SubscriberSet(Target& target, std::vector<std::string> rooms, int per_room,
                             LatencyHistogram& latency, int max_connecting)
    : target_(target),
      rooms_(std::move(rooms)),
      latency_(latency),
      max_connecting_(max_connecting) {
  for (size_t r = 0; r < rooms_.size(); ++r) {
    for (int i = 0; i < per_room; ++i) {
      auto s = std::make_unique<SubscriberState>();
      s->index = subs_.size();
      s->room = r;
      subs_.push_back(std::move(s));
    }
  }
}

SubscriberSet::~SubscriberSet() { CancelAll(); }

int SubscriberSet::max_events_per_message() const {
  return target_.options().max_events_per_message;
}

void SubscriberSet::Open(SubscriberState& s) {
  auto call = std::make_shared<Subscription>(*this, s);
  {
    absl::MutexLock lock(&s.mu);
    s.call = call;
    ++s.attempts;
  }
  connecting_.fetch_add(1);
  open_calls_.fetch_add(1);
  call->Start(target_.SubscribeStub(s.index), s.last_seq.load());
}

bool SubscriberSet::ConnectAll(absl::Time deadline) {
  cancelling_ = false;
  for (;;) {
    bool all_live = true;
    const absl::Time now = absl::Now();
    for (auto& s : subs_) {
      if (s->live.load()) continue;
      all_live = false;
      bool open = false;
      {
        absl::MutexLock lock(&s->mu);
        open = s->call != nullptr || s->retry_at > now;
      }
      if (!open && connecting_.load() < max_connecting_) Open(*s);
    }
    if (all_live) return true;
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void SubscriberSet::OnStarted(SubscriberState& s) {
  connecting_.fetch_sub(1);
  absl::MutexLock lock(&s.mu);
  s.attempts = 0;
}

void SubscriberSet::OnEnded(SubscriberState& s, bool was_live) {
  s.live.store(false);
  if (!was_live) connecting_.fetch_sub(1);
  if (was_live && !cancelling_.load()) ended_.fetch_add(1);
  {
    absl::MutexLock lock(&s.mu);
    if (!was_live) {
      // Refused before it started (the server's queue was full, most likely): back off with
      // jitter so the retries do not arrive as one more wave.
      const int shift = std::min(s.attempts, 6);
      const double jitter = 0.5 + static_cast<double>(s.index % 1000) / 1000.0;
      s.retry_at = absl::Now() + absl::Milliseconds(25 << shift) * jitter;
    }
    s.call.reset();
  }
  open_calls_.fetch_sub(1);
}

void SubscriberSet::NoteRefusal(const grpc::Status& status) {
  absl::MutexLock lock(&refusal_mu_);
  ++refusals_;
  last_refusal_ = std::to_string(status.error_code()) + " " + status.error_message();
}

void SubscriberSet::CancelAll() {
  cancelling_ = true;
  for (auto& s : subs_) {
    std::shared_ptr<Subscription> call;
    {
      absl::MutexLock lock(&s->mu);
      call = s->call;
    }
    // Outside the lock: gRPC may run OnDone on this thread before TryCancel returns.
    if (call != nullptr) call->Cancel();
  }
  while (open_calls_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

bool SubscriberSet::AllReached(const std::vector<int64_t>& heads) const {
  for (const auto& s : subs_) {
    if (s->last_seq.load() < heads[s->room]) return false;
  }
  return true;
}

int64_t SubscriberSet::SumLastSeq() const {
  int64_t sum = 0;
  for (const auto& s : subs_) sum += s->last_seq.load();
  return sum;
}

void SubscriberSet::ResetAll() {
  CancelAll();
  for (auto& s : subs_) {
    s->last_seq = 0;
    s->gaps = 0;
    s->repeats = 0;
    s->resyncs = 0;
    absl::MutexLock lock(&s->mu);
    s->attempts = 0;
    s->retry_at = absl::InfinitePast();
  }
  ended_ = 0;
}

Totals SubscriberSet::totals() const {
  Totals t;
  t.subscribers = static_cast<int64_t>(subs_.size());
  for (const auto& s : subs_) {
    t.live += s->live.load() ? 1 : 0;
    t.gaps += s->gaps.load();
    t.repeats += s->repeats.load();
    t.resyncs += s->resyncs.load();
  }
  t.ended = ended_.load();
  return t;
}

std::string SubscriberSet::refusals() const {
  absl::MutexLock lock(&refusal_mu_);
  if (refusals_ == 0) return "none";
  return std::to_string(refusals_) + " (last: " + last_refusal_ + ")";
}

void SubscriberSet::ClearRefusals() {
  absl::MutexLock lock(&refusal_mu_);
  refusals_ = 0;
  last_refusal_.clear();
}

}  // namespace shopcast::bench::fanout
