#pragma once

// The publisher: durable room events (product_updated) sent through the internal Publish at a
// steady rate, round robin over the rooms, each carrying its send time (steady clock, ns, as the
// product card's title) so subscribers in this process measure publish-to-receipt. Calls are
// asynchronous with a bound on those in flight; one the server refuses as overloaded is sent
// again with the same event id (Publish is idempotent per event id), so a retry can never show
// up as a duplicate. The rooms' heads are the highest sequences the server acknowledged.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "target.h"

namespace shopcast::bench::fanout {

struct PublishResult {
  int64_t published = 0;  // acknowledged events
  int64_t failed = 0;     // given up on (not counting retried refusals)
  double achieved_rate = 0;
};

class Publisher {
 public:
  Publisher(Target& target, std::vector<std::string> rooms, int max_in_flight = 64);
  ~Publisher();  // Stop()s

  // Publishes at `rate` events/s for `duration`, then waits for every call to complete.
  PublishResult Run(double rate, absl::Duration duration);
  // The same in the background, until Stop() (the reconnect storm publishes meanwhile).
  void Start(double rate);
  PublishResult Stop();

  // Highest acknowledged sequence per room (complete once Run/Stop returned).
  std::vector<int64_t> Heads() const;

 private:
  struct Call;
  void Loop(double rate, absl::Time until);
  void Send(std::shared_ptr<Call> call);
  void Done(const std::shared_ptr<Call>& call, const grpc::Status& status);

  Target& target_;
  const std::vector<std::string> rooms_;
  const int max_in_flight_;
  std::unique_ptr<std::atomic<int64_t>[]> heads_;
  std::atomic<int64_t> next_event_{0};
  std::atomic<bool> stop_{false};
  std::thread background_;
  absl::Time started_;

  mutable absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t published_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  absl::Time loop_ended_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shopcast::bench::fanout
