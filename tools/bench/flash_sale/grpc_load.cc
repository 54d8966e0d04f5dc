#include "grpc_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "common/channels.h"
#include "common/latency.h"
#include "grpcpp/grpcpp.h"

namespace shopcast::bench::flash_sale {
namespace {

using Clock = std::chrono::steady_clock;
using Stub = v1::ProductInventoryService::Stub;

class Driver {
 public:
  Driver(const std::vector<std::unique_ptr<Stub>>& stubs, int buyers, int64_t count, double seconds,
         const MakeBuyerRequest& make)
      : stubs_(stubs),
        count_(count),
        make_(make),
        latencies_(static_cast<size_t>(buyers)),
        start_(Clock::now()),
        stop_at_(start_ + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(seconds))),
        active_(buyers) {}

  LoadResult Run() {
    const int buyers = active_;
    for (int b = 0; b < buyers; ++b) Send(b);
    {
      std::unique_lock<std::mutex> lock(mu_);
      idle_.wait(lock, [this] { return active_ == 0; });
    }
    LoadResult out;
    out.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    std::vector<int64_t> all;
    for (auto& l : latencies_) all.insert(all.end(), l.begin(), l.end());
    const LatencySummary l = Summarize(std::move(all));
    out.requests = l.count;
    out.granted = granted_;
    out.refused = refused_;
    out.errors = errors_;
    out.p50_ms = l.p50_ms;
    out.p99_ms = l.p99_ms;
    out.max_ms = l.max_ms;
    return out;
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    v1::ReserveRequest request;
    v1::ReserveResponse response;
    Clock::time_point t0;
    int slot = 0;
  };

  // Buyer slot `slot`'s next request, or the slot retires. A slot's calls never overlap, so
  // its latency vector needs no lock.
  void Send(int slot) {
    const bool timed_out = count_ <= 0 && Clock::now() >= stop_at_;
    const int64_t i = timed_out ? -1 : next_.fetch_add(1);
    if (timed_out || (count_ > 0 && i >= count_)) {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) idle_.notify_all();
      return;
    }
    BuyerRequest br = make_(i);
    auto* call = new Call;
    call->request = std::move(br.request);
    call->slot = slot;
    call->ctx.AddMetadata("authorization", *br.authorization);
    call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    Stub& stub = *stubs_[static_cast<size_t>(slot) % stubs_.size()];
    call->t0 = Clock::now();
    stub.async()->Reserve(&call->ctx, &call->request, &call->response,
                          [this, call](grpc::Status s) { Done(call, s); });
  }

  void Done(Call* call, const grpc::Status& s) {
    latencies_[static_cast<size_t>(call->slot)].push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - call->t0).count());
    if (s.ok()) {
      granted_.fetch_add(1, std::memory_order_relaxed);
    } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      refused_.fetch_add(1, std::memory_order_relaxed);
    } else if (errors_.fetch_add(1) < 3) {
      std::fprintf(stderr, "error: %d %s\n", static_cast<int>(s.error_code()),
                   s.error_message().c_str());
    }
    const int slot = call->slot;
    delete call;
    Send(slot);
  }

  const std::vector<std::unique_ptr<Stub>>& stubs_;
  const int64_t count_;
  const MakeBuyerRequest& make_;
  std::vector<std::vector<int64_t>> latencies_;
  const Clock::time_point start_, stop_at_;
  std::atomic<int64_t> next_{0}, granted_{0}, refused_{0}, errors_{0};
  std::mutex mu_;
  std::condition_variable idle_;
  int active_;
};

}  // namespace

std::vector<std::unique_ptr<Stub>> MakeStubs(const std::string& target, int channels) {
  std::vector<std::unique_ptr<Stub>> stubs;
  for (auto& channel : MakeChannels(target, channels)) {
    stubs.push_back(v1::ProductInventoryService::NewStub(channel));
  }
  return stubs;
}

LoadResult RunLoad(const std::vector<std::unique_ptr<Stub>>& stubs, int buyers, int64_t count,
                   double seconds, const MakeBuyerRequest& make) {
  return Driver(stubs, buyers, count, seconds, make).Run();
}

}  // namespace shopcast::bench::flash_sale
