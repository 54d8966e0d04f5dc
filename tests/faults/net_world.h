#pragma once

// What the network and realtime-push faults share: a live show on the whole suite (a host, a
// stream an ffmpeg encoder publishes to, products attached to it), buyers that reserve and
// check out as the apps do (retrying a retryable answer with the same key, as the contract
// tells them to), a viewer subscribed to the room, and the invariants checked after a fault:
//   - stock: available + held + sold == total, nothing left held, sold == confirmed units;
//   - no acknowledged order lost: every order a buyer was told is CONFIRMED is CONFIRMED;
//   - money: what the payment ledger captured == the confirmed orders' totals;
//   - events: every outbox row to realtime-push delivered; each product-inventory room event in
//     the room exactly once; one sale (room_sales row, sale ticker) per confirmed order; the
//     room's log gapless 1..head; the subscriber saw every sequence once, in order, and each
//     product's stock revisions rising.
// Counts go to stdout (the fault's report line).

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ingest_fixture.h"  // video-ingest's real encoder (Publisher)
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "suite.h"

namespace shopcast::faults {

// SHOPCAST_FAULTS_LONG=1: the longer form, run by hand.
bool LongRun();

// A deadline-bound client context with the caller's token ("" = none).
std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                         absl::Duration deadline = absl::Seconds(20));

// Whether a failed call is one the contract says to retry (same request, same key).
bool Retryable(const grpc::Status& s);

// A value of the service's Prometheus text: the first sample named `name` whose labels contain
// `labels` (e.g. `destination="realtime_push"`); -1 when absent or unreachable.
double Metric(int metrics_port, const std::string& name, const std::string& labels = "");

// The live show: accounts, a stream on air (its room open), products on sale in it.
class Show {
 public:
  // `buyers` viewer accounts; `products` products of `units` each, attached to the stream.
  Show(suite::Suite& suite, int buyers, int products, int units);
  ~Show();

  suite::Suite& suite() { return suite_; }
  const std::string& stream_id() const { return stream_id_; }
  const std::vector<std::string>& products() const { return products_; }

  // Buyers reserve one unit and check out, in `threads` threads, until Stop(). A retryable
  // answer is retried with the same key after a short pause until it is definite.
  void StartBuying(int threads);
  void StopBuying();

  // Counts, for the report and the checks.
  int confirmed() const { return confirmed_.load(); }  // orders acknowledged CONFIRMED
  int retryable_errors() const { return retryable_.load(); }
  int other_errors() const { return other_errors_.load(); }
  int sold_out() const { return sold_out_.load(); }
  // Retryable answers whose status named no machine-readable reason (should be 0).
  int unexplained_errors() const { return unexplained_.load(); }
  // Longest a single call took (a producer blocked by a peer shows here).
  absl::Duration slowest_call() const;
  // The first few error texts, for a failing test's message.
  std::vector<std::string> error_samples() const;
  std::string ErrorText() const;  // the samples, joined

  // Updates a product (a new title): a product_updated room event. Returns the call's status.
  grpc::Status Retitle(int product_index, const std::string& title);

  // Undelivered outbox rows to realtime-push in `service`'s database.
  int PendingToPush(const std::string& service);

  // Waits (up to `timeout`) for everything to settle: outboxes to realtime-push drained,
  // nothing held. Then checks every invariant (Catch2 CHECKs) and prints `label`'s counts.
  void SettleAndCheck(const std::string& label, absl::Duration timeout);

 private:
  struct Buyer {
    std::string id;
    std::string token;
  };
  void BuyLoop(int thread_index);
  void WatchRoom();
  void Note(const grpc::Status& s, absl::Duration took);

  suite::Suite& suite_;
  std::string admin_token_, host_token_;
  std::vector<Buyer> buyers_;
  std::string stream_id_;
  std::vector<std::string> products_;
  std::unique_ptr<video_ingest::e2e::Publisher> encoder_;
  std::unique_ptr<product_inventory::v1::ProductInventoryService::Stub> pi_;
  std::unique_ptr<order::v1::OrderService::Stub> order_;

  std::atomic<bool> buying_{false};
  std::vector<std::thread> buy_threads_;
  std::atomic<int> confirmed_{0}, retryable_{0}, other_errors_{0}, sold_out_{0}, unexplained_{0};
  mutable absl::Mutex mu_;
  std::set<std::string> confirmed_orders_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> error_samples_ ABSL_GUARDED_BY(mu_);
  absl::Duration slowest_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();

  // The viewer's subscription (reconnecting with after_sequence when it breaks).
  std::atomic<bool> watching_{true};
  std::thread watcher_;
  std::unique_ptr<grpc::ClientContext> watch_ctx_ ABSL_GUARDED_BY(mu_);
  int64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int seq_faults_ ABSL_GUARDED_BY(mu_) = 0;  // a gap, a repeat or a step back
  int seen_events_ ABSL_GUARDED_BY(mu_) = 0;
  int resubscribes_ ABSL_GUARDED_BY(mu_) = 0;
  int resyncs_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::string> seen_ids_ ABSL_GUARDED_BY(mu_);
  int repeated_ids_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> stock_revision_ ABSL_GUARDED_BY(mu_);
  int revision_faults_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::faults
