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
// pool's size). By default one product has one batch in flight at a time. With `pipeline` > 1
// a hot product may have that many: while one batch's transaction waits for its WAL flush, the
// next batch's statement is already sent on another connection and waits on the product's
// stock row lock, so it starts the instant the first commits instead of a round trip (answer,
// hand-off, statement) later. Each batch locks the stock row first (kReserveAllFit's UPDATE,
// stock_reserve_batch's FOR UPDATE) and takes no other lock another batch of the product holds
// before that, so two batches queue on that one lock and cannot deadlock; the one that waited
// re-reads the row (READ COMMITTED) and every later statement of its transaction sees the
// first batch's holds, exactly as a second replica's batch would. It is off by default because
// on the 2-core bench machine the CPU, not the commit wait, was the limit: a second batch in
// flight made batches smaller and every process's CPU per reservation higher, and the rate
// lower (tools/bench/RESULTS.md, flash_sale_grpc Run 7); it can pay where commits are slow and
// cores idle. Several replicas each batch their own requests, and their batches take turns on
// the row lock the same way.

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
    // Batches of one product in flight at once (1 = one after another). The second is sent
    // as soon as requests wait, and queues on the stock row's lock behind the first.
    int pipeline = 1;
  };
  // Called once with the answer, on a batcher thread: keep it short and non-blocking.
  using Done = std::function<void(absl::StatusOr<ReserveResult>)>;

  struct Stats {
    int64_t batches = 0;
    int64_t requests = 0;
    int64_t largest_batch = 0;
    // Batches sent while another batch of the same product was still in flight.
    int64_t pipelined = 0;
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
    // In ready_ (a worker will take a batch from it): not to be queued again.
    bool queued = false;
    // Batches taken from this lane whose statement has not answered yet.
    int in_flight = 0;
  };

  // Queues `lane` on ready_ if it has requests waiting and room for another batch in flight.
  // mu_ held.
  void MaybeQueue(const std::string& product, Lane& lane);

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
