#include "hls/blocking_requests.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <utility>
#include <vector>

#include "shopcast/log/log.h"

namespace shopcast::video_ingest::hls {
namespace {

namespace net = boost::asio;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::string_view kOutcomes[] = {
    kOutcomeReady,  kOutcomeWoken,      kOutcomeTimeout,
    kOutcomeGone,   kOutcomeShutdown,   kOutcomeDisconnected,
    kOutcomeTooFar, kOutcomeBadRequest, kOutcomeOverCapacity,
};

std::string_view KindName(BlockingKind kind) {
  return kind == BlockingKind::kPart ? "part" : "playlist";
}

std::string_view OutcomeOf(WaitEnd end) {
  switch (end) {
    case WaitEnd::kSatisfied:
      return kOutcomeWoken;
    case WaitEnd::kGone:
      return kOutcomeGone;
    case WaitEnd::kTimedOut:
      return kOutcomeTimeout;
    case WaitEnd::kShutdown:
      return kOutcomeShutdown;
  }
  return kOutcomeGone;
}

}  // namespace

// One parked request. Lives on its connection's strand: kept alive by its timer's wait (the
// only strong reference), reached by the registry's wake and the session's cancel through weak
// references, so a wake that comes after the end finds nothing.
class BlockingRequests::Parked : public std::enable_shared_from_this<Parked> {
 public:
  Parked(BlockingRequests& owner, std::shared_ptr<http_files::DeferredReply> later,
         ParkRequest request)
      : owner_(owner),
        later_(std::move(later)),
        request_(std::move(request)),
        timer_(later_->executor()) {}

  ~Parked() {
    // Only when the server stopped with the request still parked (its connection destroyed).
    if (slotted_ && !ended_) {
      owner_.watch_.Unwatch(request_.stream_id, request_.playlist_name, id_);
      owner_.Release(id_);
    }
  }

  // After it was registered under `id` and counted: arms the hold and the cancel.
  void Start(uint64_t id, absl::Duration hold) {
    id_ = id;
    slotted_ = true;
    std::weak_ptr<Parked> weak = weak_from_this();
    later_->OnCancel([weak] {
      if (std::shared_ptr<Parked> self = weak.lock()) self->End(WaitEnd::kShutdown, {}, true);
    });
    timer_.expires_after(absl::ToChronoNanoseconds(hold));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->End(WaitEnd::kTimedOut, {}, false);
    });
  }

  absl::Duration Hold(int64_t target_seconds) const { return request_.hold_for(target_seconds); }

  // The registry's wake: runs under its lock on the writer's thread, so only posts.
  PlaylistWatch::Wake MakeWake() {
    return [weak = weak_from_this(), executor = later_->executor()](bool satisfied) {
      const SteadyTime at = std::chrono::steady_clock::now();
      net::post(executor, [weak, satisfied, at] {
        if (std::shared_ptr<Parked> self = weak.lock()) {
          self->End(satisfied ? WaitEnd::kSatisfied : WaitEnd::kGone, at, false);
        }
      });
    };
  }

  // On the strand. `woken_at`: when the registry saw the update (kSatisfied); `cancelled`: the
  // client went away.
  void End(WaitEnd how, SteadyTime woken_at, bool cancelled) {
    if (ended_) return;
    ended_ = true;
    timer_.cancel();
    owner_.watch_.Unwatch(request_.stream_id, request_.playlist_name, id_);
    if (cancelled || later_->cancelled()) {
      owner_.Release(id_);
      owner_.Count(request_.kind, kOutcomeDisconnected);
      return;
    }
    http_files::Reply reply = request_.answer(how);
    owner_.Count(request_.kind, OutcomeOf(how));
    if (how == WaitEnd::kSatisfied) {
      owner_.ObserveWake(absl::FromChrono(std::chrono::steady_clock::now() - woken_at));
    }
    // Completed before the slot is released: Shutdown() waits for the slots, and by then each
    // answer's write has started.
    later_->Complete(std::move(reply));
    owner_.Release(id_);
  }

 private:
  BlockingRequests& owner_;
  const std::shared_ptr<http_files::DeferredReply> later_;
  ParkRequest request_;
  net::steady_timer timer_;
  uint64_t id_ = 0;
  bool slotted_ = false;
  bool ended_ = false;
};

BlockingRequests::BlockingRequests(PlaylistWatch& watch, int max_parked,
                                   prometheus::Registry* registry)
    : watch_(watch), max_parked_(max_parked) {
  if (registry == nullptr) return;
  parked_gauge_ = &prometheus::BuildGauge()
                       .Name("hls_blocking_parked")
                       .Help("Blocking playlist reloads and preload-hinted part requests waiting")
                       .Register(*registry)
                       .Add({});
  wake_seconds_ =
      &prometheus::BuildHistogram()
           .Name("hls_blocking_wake_seconds")
           .Help("From the playlist write that satisfied a parked request to its reply")
           .Register(*registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                            0.025, 0.05, 0.1, 0.25, 0.5, 1});
  auto& family = prometheus::BuildCounter()
                     .Name("hls_blocking_requests_total")
                     .Help("Blocking playlist reloads and preload-hinted part requests, by outcome")
                     .Register(*registry);
  for (BlockingKind kind : {BlockingKind::kPlaylist, BlockingKind::kPart}) {
    for (std::string_view outcome : kOutcomes) {
      outcomes_[{kind, outcome}] =
          &family.Add({{"kind", std::string(KindName(kind))}, {"outcome", std::string(outcome)}});
    }
  }
}

BlockingRequests::~BlockingRequests() = default;

BlockingRequests::ParkOutcome BlockingRequests::Park(
    const std::shared_ptr<http_files::DeferredReply>& later, ParkRequest request) {
  const std::string stream_id = request.stream_id;
  const std::string playlist_name = request.playlist_name;
  const PlaylistWatch::Wanted wanted = request.wanted;
  const bool part_file = request.kind == BlockingKind::kPart;
  auto parked = std::make_shared<Parked>(*this, later, std::move(request));
  // Registered first, so no playlist update can fall between the check and the wait; a wake
  // that fires at once only posts, and runs after this returns (same strand).
  const PlaylistWatch::WatchResult watched =
      watch_.Watch(stream_id, playlist_name, wanted, part_file, parked->MakeWake());
  switch (watched.outcome) {
    case PlaylistWatch::Outcome::kUnknown:
      return ParkOutcome::kUnknown;
    case PlaylistWatch::Outcome::kReady:
      return ParkOutcome::kReady;
    case PlaylistWatch::Outcome::kTooFarAhead:
      return ParkOutcome::kTooFarAhead;
    case PlaylistWatch::Outcome::kParked:
      break;
  }
  bool admitted = false;
  {
    absl::MutexLock lock(&mu_);
    if (!closing_ && slots_.size() < static_cast<size_t>(max_parked_)) {
      slots_.emplace(watched.id, Slot{parked, later->executor(), stream_id, playlist_name});
      if (parked_gauge_ != nullptr) parked_gauge_->Increment();
      admitted = true;
    }
  }
  if (!admitted) {
    watch_.Unwatch(stream_id, playlist_name, watched.id);
    return ParkOutcome::kOverCapacity;
  }
  // ParkRequest::hold_for may read the playlist file: outside the lock.
  parked->Start(watched.id, parked->Hold(watched.target_seconds));
  return ParkOutcome::kParked;
}

void BlockingRequests::Release(uint64_t id) {
  absl::MutexLock lock(&mu_);
  if (slots_.erase(id) > 0 && parked_gauge_ != nullptr) parked_gauge_->Decrement();
}

void BlockingRequests::Count(BlockingKind kind, std::string_view outcome) {
  auto it = outcomes_.find({kind, outcome});
  if (it != outcomes_.end()) it->second->Increment();
}

void BlockingRequests::ObserveWake(absl::Duration latency) {
  if (wake_seconds_ != nullptr) wake_seconds_->Observe(absl::ToDoubleSeconds(latency));
}

void BlockingRequests::Shutdown(absl::Duration grace) {
  std::vector<std::pair<uint64_t, Slot>> slots;
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    for (auto& [id, slot] : slots_) slots.emplace_back(id, slot);
  }
  if (!slots.empty()) {
    log::Info("hls_blocking_released").Kv("parked", static_cast<uint64_t>(slots.size()));
  }
  for (auto& [id, slot] : slots) {
    // From here the registry holds nothing bound to this connection's strand.
    watch_.Unwatch(slot.stream_id, slot.playlist_name, id);
    net::post(slot.executor, [weak = slot.request] {
      if (std::shared_ptr<Parked> self = weak.lock()) self->End(WaitEnd::kShutdown, {}, false);
    });
  }
  absl::MutexLock lock(&mu_);
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return slots_.empty(); };
  mu_.AwaitWithTimeout(absl::Condition(&drained), grace);
}

size_t BlockingRequests::parked() const {
  absl::MutexLock lock(&mu_);
  return slots_.size();
}

}  // namespace shopcast::video_ingest::hls
