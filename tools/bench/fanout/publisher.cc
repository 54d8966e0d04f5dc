#include "publisher.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/support/client_callback.h"
#include "subscribers.h"

namespace shopcast::bench::fanout {

struct Publisher::Call {
  size_t room = 0;
  int attempts = 0;
  pb::PublishRequest request;
  pb::PublishResponse response;
  std::unique_ptr<grpc::ClientContext> ctx;
};

Publisher::Publisher(Target& target, std::vector<std::string> rooms, int max_in_flight)
    : target_(target),
      rooms_(std::move(rooms)),
      max_in_flight_(max_in_flight),
      heads_(new std::atomic<int64_t>[rooms_.size()]) {
  for (size_t i = 0; i < rooms_.size(); ++i) heads_[i] = 0;
}

Publisher::~Publisher() { Stop(); }

void Publisher::Send(std::shared_ptr<Call> call) {
  call->ctx = std::make_unique<grpc::ClientContext>();
  call->ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ++call->attempts;
  target_.InternalStub().async()->Publish(
      call->ctx.get(), &call->request, &call->response,
      [this, call](grpc::Status status) { Done(call, status); });
}

void Publisher::Done(const std::shared_ptr<Call>& call, const grpc::Status& status) {
  const bool refused = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                       status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  if (refused && call->attempts < 50 && !status.ok()) {
    // A short pause on gRPC's thread; refusals only happen while the server is flooded.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50, 5 * call->attempts)));
    Send(call);
    return;
  }
  if (status.ok()) {
    std::atomic<int64_t>& head = heads_[call->room];
    int64_t seen = head.load();
    while (seen < call->response.sequence() &&
           !head.compare_exchange_weak(seen, call->response.sequence())) {
    }
  }
  absl::MutexLock lock(&mu_);
  --in_flight_;
  if (status.ok()) {
    ++published_;
  } else {
    ++failed_;
    last_error_ = absl::StrCat(status.error_code(), " ", status.error_message());
  }
}

void Publisher::Loop(double rate, absl::Time until) {
  const auto start = std::chrono::steady_clock::now();
  const auto period = std::chrono::duration<double>(1.0 / rate);
  for (int64_t i = 0;; ++i) {
    const auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 period * static_cast<double>(i));
    std::this_thread::sleep_until(due);
    if (stop_.load() || absl::Now() >= until) {
      absl::MutexLock lock(&mu_);
      loop_ended_ = absl::Now();
      break;
    }
    {
      absl::MutexLock lock(&mu_);
      // Behind by the bound: the server does not keep up, and the step shows it as a lower
      // achieved rate rather than as an ever-growing queue here.
      mu_.Await(absl::Condition(
          +[](Publisher* p)
               ABSL_NO_THREAD_SAFETY_ANALYSIS { return p->in_flight_ < p->max_in_flight_; },
          this));
      ++in_flight_;
    }
    auto call = std::make_shared<Call>();
    const int64_t n = next_event_.fetch_add(1);
    call->room = static_cast<size_t>(n) % rooms_.size();
    call->request.set_stream_id(rooms_[call->room]);
    call->request.set_event_id(absl::StrCat("evt_bench_", n));
    pb::ProductCard* card =
        call->request.mutable_event()->mutable_product_updated()->mutable_product();
    card->set_product_id("prd_bench");
    card->set_title(std::to_string(SteadyNowNs()));
    card->set_version(n);
    Send(std::move(call));
  }
}

PublishResult Publisher::Run(double rate, absl::Duration duration) {
  stop_ = false;
  started_ = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    published_ = failed_ = 0;
  }
  Loop(rate, started_ + duration);
  return Stop();
}

void Publisher::Start(double rate) {
  stop_ = false;
  started_ = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    published_ = failed_ = 0;
  }
  background_ = std::thread([this, rate] { Loop(rate, absl::InfiniteFuture()); });
}

PublishResult Publisher::Stop() {
  stop_ = true;
  if (background_.joinable()) background_.join();
  absl::MutexLock lock(&mu_);
  const absl::Duration elapsed = loop_ended_ - started_;
  mu_.Await(absl::Condition(
      +[](Publisher* p) ABSL_NO_THREAD_SAFETY_ANALYSIS { return p->in_flight_ == 0; }, this));
  if (failed_ > 0)
    std::fprintf(stderr, "publish failures: %lld (last: %s)\n", static_cast<long long>(failed_),
                 last_error_.c_str());
  PublishResult r;
  r.published = published_;
  r.failed = failed_;
  r.achieved_rate = static_cast<double>(published_) / absl::ToDoubleSeconds(elapsed);
  return r;
}

std::vector<int64_t> Publisher::Heads() const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < rooms_.size(); ++i) out.push_back(heads_[i].load());
  return out;
}

}  // namespace shopcast::bench::fanout
