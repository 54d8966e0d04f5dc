#include "hls/thumbnail_requests.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>
#include <vector>

#include "shopcast/log/log.h"

namespace shopcast::video_ingest::hls {
namespace {

namespace net = boost::asio;

constexpr std::string_view kOutcomes[] = {kThumbFresh,       kThumbRendered, kThumbStale,
                                          kThumbUnavailable, kThumbNotFound, kThumbShutdown,
                                          kThumbDisconnected};

constexpr unsigned kNotFound = 404;

}  // namespace

// How a wait ended.
enum class ThumbWaitEnd { kWritten, kFailed, kTimedOut, kShutdown };

// The registry of waiting requests, shared with the renders' completions through weak
// references: a completion that comes after the request ended, after Shutdown() or after the
// origin is gone finds nothing and posts nothing.
struct ThumbnailRequests::Core {
  struct Slot {
    std::weak_ptr<Waiting> request;
    net::any_io_executor executor;
  };
  absl::Mutex mu;
  std::map<uint64_t, Slot> slots ABSL_GUARDED_BY(mu);
  uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
  bool closing ABSL_GUARDED_BY(mu) = false;

  // From a render worker: posts the end to the request's strand.
  void Wake(uint64_t id, bool written);
};

// One waiting request: lives on its connection's strand, kept alive by its timer's wait.
class ThumbnailRequests::Waiting : public std::enable_shared_from_this<Waiting> {
 public:
  Waiting(ThumbnailRequests& owner, std::shared_ptr<http_files::DeferredReply> later, Answer answer)
      : owner_(owner),
        later_(std::move(later)),
        answer_(std::move(answer)),
        timer_(later_->executor()) {}

  ~Waiting() {
    // Only when the server stopped with the request still waiting.
    if (!ended_) Release();
  }

  void set_id(uint64_t id) { id_ = id; }

  void Start(absl::Duration wait) {
    std::weak_ptr<Waiting> weak = weak_from_this();
    later_->OnCancel([weak] {
      if (std::shared_ptr<Waiting> self = weak.lock()) self->End(ThumbWaitEnd::kShutdown, true);
    });
    timer_.expires_after(absl::ToChronoNanoseconds(wait));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->End(ThumbWaitEnd::kTimedOut, false);
    });
  }

  // On the strand.
  void End(ThumbWaitEnd how, bool cancelled) {
    if (ended_) return;
    ended_ = true;
    timer_.cancel();
    if (cancelled || later_->cancelled()) {
      Release();
      owner_.Count(kThumbDisconnected);
      return;
    }
    http_files::Reply reply;
    if (how == ThumbWaitEnd::kShutdown) {
      reply = answer_.unavailable("shutting down\n", 1, true);
      owner_.Count(kThumbShutdown);
    } else {
      reply = answer_.serve();
      if (reply.status == kNotFound) {
        // The render failed or is late and there is no earlier picture.
        reply = answer_.unavailable("the live picture is not ready yet\n", 1, false);
        owner_.Count(kThumbUnavailable);
      } else {
        owner_.Count(how == ThumbWaitEnd::kWritten ? kThumbRendered : kThumbStale);
      }
    }
    // Completed before the slot is released: Shutdown() waits for the slots.
    later_->Complete(std::move(reply));
    Release();
  }

 private:
  void Release() {
    absl::MutexLock lock(&owner_.core_->mu);
    if (owner_.core_->slots.erase(id_) > 0 && owner_.waiting_gauge_ != nullptr) {
      owner_.waiting_gauge_->Decrement();
    }
  }

  ThumbnailRequests& owner_;
  const std::shared_ptr<http_files::DeferredReply> later_;
  Answer answer_;
  net::steady_timer timer_;
  uint64_t id_ = 0;
  bool ended_ = false;
};

void ThumbnailRequests::Core::Wake(uint64_t id, bool written) {
  absl::MutexLock lock(&mu);
  auto it = slots.find(id);
  if (it == slots.end()) return;
  net::post(it->second.executor, [weak = it->second.request, written] {
    if (std::shared_ptr<Waiting> self = weak.lock()) {
      self->End(written ? ThumbWaitEnd::kWritten : ThumbWaitEnd::kFailed, false);
    }
  });
}

ThumbnailRequests::ThumbnailRequests(media::ThumbnailSource& source,
                                     ThumbnailRequestOptions options,
                                     prometheus::Registry* registry)
    : source_(source), options_(options), core_(std::make_shared<Core>()) {
  if (registry == nullptr) return;
  auto& family = prometheus::BuildCounter()
                     .Name("hls_thumbnail_requests_total")
                     .Help(
                         "thumb.jpg requests by how they were answered: fresh file, after a "
                         "render, the previous (stale) file, 503, 404, …")
                     .Register(*registry);
  for (std::string_view outcome : kOutcomes) {
    outcomes_[outcome] = &family.Add({{"outcome", std::string(outcome)}});
  }
  waiting_gauge_ = &prometheus::BuildGauge()
                        .Name("hls_thumbnail_waiting")
                        .Help("thumb.jpg requests waiting for a render")
                        .Register(*registry)
                        .Add({});
}

ThumbnailRequests::~ThumbnailRequests() = default;

void ThumbnailRequests::Count(std::string_view outcome) {
  auto it = outcomes_.find(outcome);
  if (it != outcomes_.end()) it->second->Increment();
}

std::optional<http_files::Reply> ThumbnailRequests::Handle(
    const std::shared_ptr<http_files::DeferredReply>& later, const std::string& stream_id,
    std::optional<absl::Time> mtime, Answer answer) {
  if (mtime && absl::Now() - *mtime < options_.max_age) {
    Count(kThumbFresh);
    return answer.serve();
  }
  // Without waiting: the previous picture if there is one, else `unavailable` (503) or, for a
  // stream not live here, 404.
  auto now = [&](std::string_view none_outcome, std::string body) -> http_files::Reply {
    if (mtime) {
      http_files::Reply reply = answer.serve();
      if (reply.status != kNotFound) {
        Count(kThumbStale);
        return reply;
      }
    }
    Count(none_outcome);
    if (none_outcome == kThumbNotFound) return answer.serve();
    return answer.unavailable(std::move(body), 1, false);
  };
  auto waiting = std::make_shared<Waiting>(*this, later, answer);
  uint64_t id = 0;
  {
    absl::MutexLock lock(&core_->mu);
    if (core_->closing || core_->slots.size() >= static_cast<size_t>(options_.max_waiting)) {
      id = 0;
    } else {
      id = core_->next_id++;
      core_->slots.emplace(id, Core::Slot{waiting, later->executor()});
      if (waiting_gauge_ != nullptr) waiting_gauge_->Increment();
    }
  }
  waiting->set_id(id);
  if (id == 0) return now(kThumbUnavailable, "too many thumbnail requests waiting\n");
  // A completion that comes at once only posts, and runs on this strand after we return.
  const media::ThumbnailSource::Refresh refresh =
      source_.RefreshThumbnail(stream_id, [core = std::weak_ptr<Core>(core_), id](bool written) {
        if (std::shared_ptr<Core> c = core.lock()) c->Wake(id, written);
      });
  if (refresh == media::ThumbnailSource::Refresh::kRendering) {
    waiting->Start(options_.wait);
    return std::nullopt;
  }
  // Not waiting after all: the destructor releases the slot.
  waiting.reset();
  switch (refresh) {
    case media::ThumbnailSource::Refresh::kCurrent:
      // thumb.jpg shows the latest keyframe (a long GOP): as fresh as it gets.
      Count(kThumbFresh);
      return answer.serve();
    case media::ThumbnailSource::Refresh::kNoStream:
      return now(kThumbNotFound, {});
    case media::ThumbnailSource::Refresh::kNoKeyframe:
      return now(kThumbUnavailable, "the stream has no picture yet\n");
    case media::ThumbnailSource::Refresh::kBusy:
    case media::ThumbnailSource::Refresh::kRendering:
      break;
  }
  return now(kThumbUnavailable, "thumbnails are busy\n");
}

void ThumbnailRequests::Shutdown(absl::Duration grace) {
  std::vector<Core::Slot> slots;
  {
    absl::MutexLock lock(&core_->mu);
    core_->closing = true;
    for (auto& [id, slot] : core_->slots) slots.push_back(slot);
  }
  for (Core::Slot& slot : slots) {
    net::post(slot.executor, [weak = slot.request] {
      if (std::shared_ptr<Waiting> self = weak.lock()) self->End(ThumbWaitEnd::kShutdown, false);
    });
  }
  absl::MutexLock lock(&core_->mu);
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_->mu) { return core_->slots.empty(); };
  core_->mu.AwaitWithTimeout(absl::Condition(&drained), grace);
  // What did not end in time is forgotten: no completion posts to its connection any more.
  core_->slots.clear();
  if (waiting_gauge_ != nullptr) waiting_gauge_->Set(0);
}

size_t ThumbnailRequests::waiting() const {
  absl::MutexLock lock(&core_->mu);
  return core_->slots.size();
}

}  // namespace shopcast::video_ingest::hls
