#pragma once

// The downstream gRPC calls an owner has in flight, so that it can cancel them and wait for
// their completions before it lets go of itself and of its channels. A completion that held its
// owner by shared_ptr could drop the last reference on a gRPC thread: the channel released inside
// one of its own calls' completions (gRPC 1.51 asserts on its reference count as a process winds
// down), and the owner's metrics counted into after their registry is gone. So completions hold
// the owner by a raw pointer, and the owner's Close() waits for them (the API handler's
// downstream calls, the HLS proxy's route lookups).

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace shopcast::gateway::calls {

template <typename Call>
class CallsInFlight {
 public:
  // Counts `call` until Done(call). False, and not counted, once CloseAndWait has begun: the
  // caller answers without starting it.
  bool Start(const std::shared_ptr<Call>& call) {
    std::lock_guard lock(mu_);
    if (closing_) return false;
    calls_.emplace(call.get(), call);
    return true;
  }

  // The last thing a completion does with its owner: after it, the owner may be gone.
  void Done(const Call* call) {
    std::lock_guard lock(mu_);
    calls_.erase(call);
    if (calls_.empty()) done_.notify_all();
  }

  // Refuses calls from now on, cancels those in flight (context_of(call) is its
  // grpc::ClientContext) and returns once each has called Done. Not on a gRPC callback thread.
  template <typename ContextOf>
  void CloseAndWait(ContextOf context_of) {
    std::vector<std::shared_ptr<Call>> calls;
    std::unique_lock lock(mu_);
    closing_ = true;
    for (const auto& [ptr, call] : calls_) calls.push_back(call);
    lock.unlock();
    // Outside the lock: a cancellation may complete its call, and call Done, on this thread.
    for (const auto& call : calls) context_of(*call).TryCancel();
    calls.clear();
    lock.lock();
    done_.wait(lock, [this] { return calls_.empty(); });
  }

 private:
  std::mutex mu_;
  std::condition_variable done_;
  std::map<const Call*, std::shared_ptr<Call>> calls_;  // guarded by mu_
  bool closing_ = false;                                // guarded by mu_
};

}  // namespace shopcast::gateway::calls
