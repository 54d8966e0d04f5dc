#pragma once

// The fault suite's framework (issue 14 §3): the whole Shopcast suite as real processes with a
// live show on it (a real ffmpeg encoder publishing, fixed-price products of the stream), a load
// driver of real clients (buyers reserving, ordering and paying; viewers subscribed to the room)
// that retry the way real clients do and record every acknowledged result, and the invariants
// checked after each fault by reading each service's database and APIs.
//
// A fault test is:
//
//   FaultWorld world;                 // suite up, stream live, products on sale
//   LoadDriver load(world);
//   Invariants invariants(world, load);
//   load.Start();
//   ... inject the fault (world.suite().Kill("order"); world.suite().Restart("order"); ...)
//   REQUIRE(load.WaitForProgress(5, absl::Seconds(60)));   // the suite serves again
//   load.Stop();                      // quiet: in-flight calls finish or are given up
//   auto failures = invariants.Check();
//   CHECK(failures.empty());          // each entry names the invariant and the evidence
//   load.Start();                     // next fault
//   ...
//   PrintCounts("sigkill", world.counts());
//
// Every method throws std::runtime_error (failing the test) when the world cannot be set up.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "suite.h"

namespace shopcast::faults {

// What one fault test did, printed at its end (PrintCounts) and recorded in RESULTS.md.
struct Counts {
  std::atomic<int64_t> faults{0};              // faults injected
  std::atomic<int64_t> acknowledged{0};        // client operations that got an answer (OK or a
                                               // definite refusal such as sold out)
  std::atomic<int64_t> retries{0};             // calls repeated after UNAVAILABLE/DEADLINE_EXCEEDED
  std::atomic<int64_t> gave_up{0};             // operations abandoned after the retry budget
  std::atomic<int64_t> invariant_checks{0};    // individual invariant assertions evaluated
  std::atomic<int64_t> publisher_restarts{0};  // the encoder reconnected (as OBS does)
  std::atomic<int64_t> resubscribes{0};        // viewers resumed their room subscription
};

// One line per counter, prefixed "faults[<fault>]", on stdout (ctest --output-on-failure and
// -V show it).
void PrintCounts(const std::string& fault, const Counts& counts);

// SHOPCAST_FAULTS_ROUNDS when set to a positive number, else `bounded` (the CTest form).
int RoundsFromEnv(int bounded);

// The retry rule of Shopcast's clients: UNAVAILABLE and DEADLINE_EXCEEDED are repeated with the
// same idempotency key (and a backoff); everything else is an answer.
bool Retryable(const grpc::Status& status);

// A PostgreSQL cluster of one service's own, in the test's scratch folder (tools/pg-cluster),
// so a fault can stop that service's database and nobody else's.
class OwnCluster {
 public:
  OwnCluster(std::string datadir, std::string log_path);
  ~OwnCluster();  // stops it (immediately) and leaves the files to the temp folder
  // `pg_ctl stop -m immediate`: every backend dies without a checkpoint; the next start
  // runs crash recovery.
  void StopImmediate();
  // Starts it again on the same port (same DSN); waits until it accepts connections.
  void Start();
  // A database of this cluster (created on first use), as a libpq DSN.
  std::string Database(const std::string& name);
  int port() const { return port_; }

 private:
  std::string datadir_;
  std::string log_path_;
  int port_ = 0;
};

struct WorldOptions {
  int products = 3;  // fixed-price products of the live stream
  int64_t units_per_product = 400;
  int64_t price_minor = 1500;  // USD; shipping adds 500 per order
  int buyers = 4;              // buyer threads (each its own account)
  int viewers = 3;             // viewer threads subscribed to the room
  // Services ("order", "product-inventory", ...) whose database lives in an OwnCluster instead
  // of the run's shared PostgreSQL.
  std::vector<std::string> own_cluster;
  // Passed on to the suite (gateway is off by default: the faults drive the services' gRPC
  // APIs as the gateway does; own_cluster DSNs are filled in by FaultWorld).
  suite::SuiteOptions suite = [] {
    suite::SuiteOptions o;
    o.gateway = false;
    return o;
  }();
};

class FaultWorld {
 public:
  // Starts the suite, creates a host, buyers, a stream, publishes to it with a real ffmpeg
  // encoder until the stream is LIVE and its room open, and creates the products on it.
  explicit FaultWorld(WorldOptions options = {});
  ~FaultWorld();
  FaultWorld(const FaultWorld&) = delete;
  FaultWorld& operator=(const FaultWorld&) = delete;

  suite::Suite& suite() { return *suite_; }
  const WorldOptions& options() const { return options_; }
  Counts& counts() { return counts_; }

  const std::string& stream_id() const { return stream_id_; }
  const std::vector<std::string>& product_ids() const { return product_ids_; }
  // A fresh access token of the host / of buyer `i` (logging in again when the last one is
  // older than a minute; retries while the user service restarts).
  std::string HostToken();
  std::string BuyerToken(int i);
  const std::string& BuyerId(int i) const;

  // The service's own cluster (it must be in options().own_cluster).
  OwnCluster& cluster(const std::string& service);

  // The encoder: running, or restarted when it exited (after video-ingest died it has);
  // called by the load driver's upkeep, callable from tests.
  void KeepPublishing();

 private:
  struct Impl;
  WorldOptions options_;
  Counts counts_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<suite::Suite> suite_;
  std::string stream_id_;
  std::vector<std::string> product_ids_;
};

// What the clients were told, kept for the invariants.
struct AckedOrder {
  std::string order_id;
  std::string product_id;
  std::string buyer_id;
  int status = 0;  // order::v1::OrderStatus the client last saw
  int64_t total_minor = 0;
};

struct ViewerLog {
  // (sequence, event id) of every durable room event delivered, per subscription, in order;
  // a new entry starts at each (re)subscription. `resumed_after` is the after_sequence sent.
  struct Subscription {
    int64_t resumed_after = 0;
    bool resync = false;  // the server replaced state with a snapshot (allowed gap)
    std::vector<std::pair<int64_t, std::string>> events;
  };
  std::vector<Subscription> subscriptions;
};

class LoadDriver {
 public:
  explicit LoadDriver(FaultWorld& world);
  ~LoadDriver();  // Stop()
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;

  // Buyers loop Reserve (1 unit, idempotency key) → PlaceOrder (idempotency key, placeholder
  // card: mostly approving, one in eight declined) with the retry rule; viewers hold a room
  // subscription, resuming after their last sequence when it breaks; an upkeep thread keeps
  // the encoder publishing. Viewers start with the first Start() and stay subscribed until the
  // driver is destroyed (Invariants::Check waits for them to reach the room's head).
  void Start();
  // Stops the buyers and joins them: an operation in flight finishes with its retries (or is
  // counted as given up), so afterwards no client call is in flight. Viewers keep listening.
  void Stop();
  // True once `n` more operations were acknowledged OK after this call (the suite serves
  // again after a fault); false when `timeout` passes first.
  bool WaitForProgress(int64_t n, absl::Duration timeout);

  // Snapshots of what clients were told (safe while running).
  std::vector<AckedOrder> orders() const;
  std::vector<ViewerLog> viewers() const;
  // Idempotency keys of the PlaceOrder calls a buyer gave up on (no answer within the retry
  // budget): such an order may or may not exist, and the invariants allow both.
  std::set<std::string> unanswered_keys() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Invariants {
 public:
  Invariants(FaultWorld& world, const LoadDriver& load);

  // With the buyers stopped: waits up to `settle` for the suite to come to rest (no order
  // saga unfinished, every outbox delivered, every viewer at the room's head), then checks
  // every invariant below, pass after pass until all hold or `settle` has passed (what is
  // eventually consistent gets until then), and returns one line per violation of the last
  // pass (empty = all hold). The last pass's assertions add to counts().invariant_checks.
  //  - stock: per product available + held + sold == total, none negative (product-inventory's
  //    database and GetStock agree);
  //  - sold == units of the product's confirmed orders (no sale lost or made twice);
  //  - money: captured by the payment provider == sum of the totals of confirmed orders, and
  //    nothing captured for a failed order;
  //  - acknowledged orders: every order id a client got back exists (GetOrder as its buyer and
  //    order's database), and one acknowledged CONFIRMED is still CONFIRMED;
  //  - events: the room's log is gap-free 1..head with each event id once; the room's sale
  //    tickers add up to sold and its last StockChanged (or card) is the stock now; every
  //    confirmed order's sale is in realtime-push's room_sales exactly once; every viewer's
  //    delivered sequence continues exactly after what it asked for, no gap except across a
  //    Resync, no event id twice; every outbox row delivered, to every destination;
  //  - recordings: every segment video-ingest announced to recording-lifecycle
  //    (segment_closed) is in the stream's recording with the announced key and SHA-256, and
  //    its object exists in the recording's tier for it (hot or warm folder) with that SHA-256.
  // (30 s: the slowest thing to settle is a SIGKILLed producer's outbox claim, which keeps
  // other relays off a destination for events::RelayOptions::claim_ttl, 5 s, nobody renewing
  // it; and a dead order runner's sagas, resumed once their lease (5 s here) lapses.)
  std::vector<std::string> Check(absl::Duration settle = absl::Seconds(30));

 private:
  FaultWorld& world_;
  const LoadDriver& load_;
};

}  // namespace shopcast::faults
