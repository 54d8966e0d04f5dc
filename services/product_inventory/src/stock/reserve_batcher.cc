#include "stock/reserve_batcher.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <iterator>
#include <utility>

#include "shopcast/status/status.h"
#include "stock/validation.h"

namespace shopcast::product_inventory::stock {

ReserveBatcher::ReserveBatcher(StockStore& store, Options options)
    : store_(store), options_(options) {
  const int workers = std::max(1, options_.workers);
  workers_.reserve(workers);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
}

ReserveBatcher::~ReserveBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ReserveBatcher::ReserveAsync(ReserveRequest request, Done done) {
  if (absl::Status s = ValidateReserve(request); !s.ok()) {
    done(s);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      // The product id is copied only for a lane that starts now, not per request.
      auto [it, added] = lanes_.try_emplace(request.product_id);
      it->second.waiting.push_back(Pending{std::move(request), std::move(done)});
      MaybeQueue(it->first, it->second);
      return;
    }
  }
  done(Error(absl::StatusCode::kUnavailable, reason::kShuttingDown, "shutting down"));
}

absl::StatusOr<ReserveResult> ReserveBatcher::Reserve(ReserveRequest request) {
  std::promise<absl::StatusOr<ReserveResult>> answer;
  std::future<absl::StatusOr<ReserveResult>> future = answer.get_future();
  ReserveAsync(std::move(request),
               [&answer](absl::StatusOr<ReserveResult> r) { answer.set_value(std::move(r)); });
  return future.get();
}

void ReserveBatcher::MaybeQueue(const std::string& product, Lane& lane) {
  if (lane.queued || lane.waiting.empty()) return;
  if (lane.in_flight >= std::max(1, options_.pipeline)) return;
  lane.queued = true;
  ready_.push_back(product);
  wake_.notify_one();
}

ReserveBatcher::Stats ReserveBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  for (const auto& [product, lane] : lanes_) s.waiting += static_cast<int64_t>(lane.waiting.size());
  return s;
}

void ReserveBatcher::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
    if (ready_.empty()) return;  // Stopping, and every lane has been served.
    const std::string product = std::move(ready_.front());
    ready_.pop_front();
    std::vector<Pending> batch;
    {
      Lane& lane = lanes_[product];
      lane.queued = false;
      const size_t max_batch = static_cast<size_t>(std::max(1, options_.max_batch));
      if (lane.waiting.size() <= max_batch) {
        // The usual case: the whole line is the batch, taken without moving each request.
        batch.swap(lane.waiting);
      } else {
        batch.reserve(max_batch);
        std::move(lane.waiting.begin(), lane.waiting.begin() + max_batch,
                  std::back_inserter(batch));
        lane.waiting.erase(lane.waiting.begin(), lane.waiting.begin() + max_batch);
      }
      if (lane.in_flight > 0) ++stats_.pipelined;
      ++lane.in_flight;
      // Requests arriving from here on queue on the lane and form the next batch, which is
      // sent at once if the pipeline has room (it then waits on the row lock in PostgreSQL,
      // behind this one).
      MaybeQueue(product, lane);
    }
    ++stats_.batches;
    stats_.requests += static_cast<int64_t>(batch.size());
    stats_.largest_batch = std::max(stats_.largest_batch, static_cast<int64_t>(batch.size()));
    lock.unlock();

    std::vector<const ReserveRequest*> requests;
    requests.reserve(batch.size());
    for (const Pending& p : batch) requests.push_back(&p.request);
    const auto started = std::chrono::steady_clock::now();
    std::vector<absl::StatusOr<ReserveResult>> answers = store_.ReserveBatch(product, requests);
    const auto served = std::chrono::steady_clock::now() - started;

    // Hand the lane on before answering: the next batch's statement runs on another worker
    // while this one fans the answers out, so the row lock never waits for the gRPC replies.
    lock.lock();
    stats_.serving += absl::FromChrono(served);
    auto it = lanes_.find(product);
    Lane& lane = it->second;
    --lane.in_flight;
    if (lane.waiting.empty()) {
      if (lane.in_flight == 0 && !lane.queued) lanes_.erase(it);
    } else {
      // Back of the line, so one hot product cannot starve the others of workers.
      MaybeQueue(product, lane);
    }
    lock.unlock();
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(answers[i]));
    lock.lock();
  }
}

}  // namespace shopcast::product_inventory::stock
