#pragma once

// Stock changes announced to the rooms, coalesced. A flash sale changes one product's stock
// thousands of times a second; viewers need to see it move, not every step. Handlers mark a
// product dirty after their change committed; every `interval` a loop writes, per dirty
// product of a stream, ONE StockChanged room event into the outbox, in a transaction that
// reads the product's committed stock (after lapsing its expired holds, so the revision moves
// with anything a reader could see). An event therefore never precedes its change, a burst of
// any size costs at most one event per product per interval, and its revision (the stock
// row's, bumped by every change) lets the room drop stale ones. The outbox type says what
// happened: stock_changed, stock_low, stock_sold_out or stock_available_again.
//
// Marks live in memory: a crash loses at most one interval's announcements. So that a product
// whose stock stops changing right then (sold out at the moment of the crash) is not shown
// stale for the rest of the show, a starting loop first marks every product of a stream not
// known to have ended, announcing each one's current stock once (a revision the room already
// has changes nothing for its viewers). Correctness of the stock never depends on them.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shopcast/db/pool.h"
#include "stock/stock_types.h"

namespace shopcast::product_inventory::stock {

class StockEvents {
 public:
  struct Options {
    absl::Duration interval = absl::Milliseconds(250);
    // stock_low when available falls to this or below (and above 0).
    int64_t low_threshold = 5;
  };

  // `pool` (with sql:: and wire_sql:: statements) outlives this.
  StockEvents(db::Pool& pool, WallClock clock, Options options);
  ~StockEvents();  // Stop()s.
  StockEvents(const StockEvents&) = delete;
  StockEvents& operator=(const StockEvents&) = delete;

  // Call after a change of `product_id`'s stock committed. Cheap; never blocks on the database.
  void MarkDirty(const std::string& product_id);

  void Start();
  // Writes what is still dirty, then stops the loop. Idempotent.
  void Stop();

  // Room events written so far by this process (tests, metrics).
  int64_t events_written() const;

  // One round now, on the caller's thread (the loop calls it; tests may too).
  absl::Status FlushOnce();

 private:
  // What this process last announced of a product, to name transitions and skip repeats.
  struct Announced {
    int64_t available = -1;
    int64_t revision = 0;
  };

  void Run();
  // Marks the products of open streams dirty (once per process); false if the database
  // could not say (tried again next round).
  bool MarkOpenStreams();
  // Announces `product_id` (of `stream_id`) if its revision moved; true if an event was written.
  absl::StatusOr<bool> Announce(const std::string& product_id, const std::string& stream_id);

  db::Pool& pool_;
  const WallClock clock_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  absl::flat_hash_set<std::string> dirty_;  // Guarded by mu_, as are the three below.
  bool stopping_ = false;
  bool started_ = false;
  bool open_streams_marked_ = false;  // Set by Start, then touched by the loop's thread only.
  int64_t events_written_ = 0;
  std::mutex flush_mu_;  // One round at a time; guards announced_.
  absl::flat_hash_map<std::string, Announced> announced_;
  std::thread thread_;
};

}  // namespace shopcast::product_inventory::stock
