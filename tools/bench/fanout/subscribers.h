#pragma once

// The subscribers: one ClientReadReactor per Subscribe call (no thread per subscriber), each
// checking that the sequences it receives follow one another with no gap or repeat, and
// recording each event's publish-to-receipt latency (the publisher's steady-clock time rides
// in the event, and both ends live in this process). A subscriber's position survives its
// calls: after a drop it resubscribes with after_sequence = the last sequence it applied, and
// the check continues across the two calls. Calls refused before they start (the server's
// queue was full) are retried after a jittered backoff, at most `max_connecting` at a time.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "histogram.h"
#include "target.h"

namespace shopcast::bench::fanout {

class Subscription;

// One subscriber's position and verdicts, kept across its calls.
struct SubscriberState {
  size_t index = 0;
  size_t room = 0;
  std::atomic<int64_t> last_seq{0};
  std::atomic<int64_t> gaps{0};
  std::atomic<int64_t> repeats{0};
  std::atomic<int64_t> resyncs{0};
  std::atomic<bool> live{false};  // the current call has sent `started`
  absl::Mutex mu;
  std::shared_ptr<Subscription> call ABSL_GUARDED_BY(mu);
  int attempts ABSL_GUARDED_BY(mu) = 0;
  absl::Time retry_at ABSL_GUARDED_BY(mu) = absl::InfinitePast();
};

struct Totals {
  int64_t subscribers = 0;
  int64_t live = 0;
  int64_t gaps = 0;
  int64_t repeats = 0;
  int64_t resyncs = 0;
  int64_t ended = 0;  // calls that ended while they were meant to stay open
};

class SubscriberSet {
 public:
  SubscriberSet(Target& target, std::vector<std::string> rooms, int per_room,
                LatencyHistogram& latency, int max_connecting = 256);
  ~SubscriberSet();  // cancels every call and waits for them

  // Opens a call for every subscriber without one (resuming after its last sequence) and
  // returns once all have `started`, or false at `deadline`.
  bool ConnectAll(absl::Time deadline);
  // Cancels every call and waits until gRPC is done with them.
  void CancelAll();
  // True once every subscriber of room r has applied sequence heads[r].
  bool AllReached(const std::vector<int64_t>& heads) const;
  // Sum of the subscribers' last sequences (deliveries so far, when nothing was skipped).
  int64_t SumLastSeq() const;
  // Drops all verdicts and positions of a broken run; positions restart from a snapshot.
  void ResetAll();
  Totals totals() const;
  size_t size() const { return subs_.size(); }
  // Calls opened but not yet started, at most (a storm lifts the bound).
  void set_max_connecting(int n) { max_connecting_ = n; }

  // Called by a Subscription (gRPC's threads).
  void OnStarted(SubscriberState& s);
  void OnEnded(SubscriberState& s, bool was_live);
  void NoteRefusal(const grpc::Status& status);
  // Calls refused before they started, and the last reason (retried; shown for diagnosis).
  std::string refusals() const;
  void ClearRefusals();
  LatencyHistogram& latency() { return latency_; }
  const std::string& room_id(size_t r) const { return rooms_[r]; }
  int max_events_per_message() const;

 private:
  void Open(SubscriberState& s);

  Target& target_;
  const std::vector<std::string> rooms_;
  LatencyHistogram& latency_;
  std::atomic<int> max_connecting_;
  std::vector<std::unique_ptr<SubscriberState>> subs_;
  std::atomic<int> connecting_{0};
  std::atomic<int> open_calls_{0};
  std::atomic<int64_t> ended_{0};
  std::atomic<bool> cancelling_{false};
  mutable absl::Mutex refusal_mu_;
  int64_t refusals_ ABSL_GUARDED_BY(refusal_mu_) = 0;
  std::string last_refusal_ ABSL_GUARDED_BY(refusal_mu_);
};

// The steady clock in ns, as stamped into events by the publisher.
int64_t SteadyNowNs();

}  // namespace shopcast::bench::fanout
