#pragma once

// Group commit for Reserve. A hot product's buyers must not each wait their turn on its stock
// row's lock through one WAL flush apiece: that caps a product at a few thousand durable
// reservations a second. Instead each product has a lane: requests that arrive while the
// lane's previous batch is committing wait together, and the next batch serves all of them in
// one transaction (StockStore::ReserveBatch, one statement), answering each individually.
// Under light load a batch holds one request and adds no delay; under heavy load batches grow
// by themselves, with no timer to tune. Correctness stays in the database: the batch function
// decides each request in order under the row lock, and the table's CHECK forbids overselling.
//
// Batches of different products run in parallel on `workers` threads (keep it at most the
// pool's size); one product never has two batches in flight from this process, so a lane
// cannot wait on itself. Several replicas each batch their own requests, and their batches
// take turns on the row lock.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "stock/stock_store.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock {

class ReserveBatcher {
 public:
  struct Options {
    // Threads running batches (of different products) at once.
    int workers = 4;
    // Requests served per transaction at most; the rest wait for the next batch.
    int max_batch = 512;
  };
  // Called once with the answer, on a batcher thread: keep it short and non-blocking.
  using Done = std::function<void(absl::StatusOr<ReserveResult>)>;

  struct Stats {
    int64_t batches = 0;
    int64_t requests = 0;
    int64_t largest_batch = 0;
    // Requests queued on their lanes right now, not yet in a batch.
    int64_t waiting = 0;
    // Time spent in StockStore::ReserveBatch, summed over workers (its share of the wall
    // time says whether the database or the batcher is the bottleneck).
    absl::Duration serving;
  };

  // `store` outlives the batcher.
  ReserveBatcher(StockStore& store, Options options);
  // Answers everything queued, then stops the threads.
  ~ReserveBatcher();
  ReserveBatcher(const ReserveBatcher&) = delete;
  ReserveBatcher& operator=(const ReserveBatcher&) = delete;

  // Validates `request` (INVALID_ARGUMENT answers at once, on the caller's thread) and queues
  // it on its product's lane. After shutdown began: UNAVAILABLE/SHUTTING_DOWN.
  void ReserveAsync(ReserveRequest request, Done done);

  // ReserveAsync, waiting for the answer (for callers on a blocking executor, and tests).
  absl::StatusOr<ReserveResult> Reserve(ReserveRequest request);

  Stats stats() const;

 private:
  struct Pending {
    ReserveRequest request;
    Done done;
  };
  struct Lane {
    // In arrival order; a batch takes the whole vector when it fits (one swap, no per-request
    // moves or deque blocks).
    std::vector<Pending> waiting;
    // Queued in ready_ or being served by a worker; either way not to be queued again.
    bool busy = false;
  };

  void Work();

  StockStore& store_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  absl::flat_hash_map<std::string, Lane> lanes_;  // Guarded by mu_, as are the three below.
  std::deque<std::string> ready_;                 // Lanes with waiting requests, in turn.
  bool stopping_ = false;
  Stats stats_;
  std::vector<std::thread> workers_;
};

}  // namespace shopcast::product_inventory::stock
