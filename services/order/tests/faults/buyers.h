#pragma once

// The fault test's buyers: concurrent clients that each Reserve (product-inventory's public
// API, with their own token) and then PlaceOrder, one checkout after another, as real clients
// would: a call that got no answer (the process died, or answered UNAVAILABLE) is repeated
// with the same idempotency key until it gets one, on the next order replica. Each buyer's choices
// (product, quantity, payment token) come from its own RNG seeded from the run's seed.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "faults/fault_world.h"

namespace shopcast::order::faults {

// One checkout of one buyer, as the buyer saw it.
struct Attempt {
  std::string buyer;
  std::string product_id;
  int quantity = 0;
  std::string payment_token;
  std::string reserve_key;
  // Empty when Reserve was refused (sold out); then nothing else happened.
  std::string reservation_id;
  std::string reserve_refusal;
  std::string order_key;
  // The order PlaceOrder answered with (its first OK answer), and its status then.
  std::string order_id;
  pb::OrderStatus status = pb::ORDER_STATUS_UNSPECIFIED;
  // PlaceOrder calls that got no answer and were repeated.
  int retries = 0;
  // What went wrong that no client should ever see; empty when nothing did.
  std::string error;
};

struct BuyerOptions {
  int buyers = 6;
  uint64_t seed = 1;
  // Products bought; the scarce one (sold out early, so released units are fought over) is
  // chosen with this probability.
  Listed plenty;
  Listed scarce;
  double scarce_share = 0.3;
};

class Buyers {
 public:
  Buyers(FaultWorld& world, BuyerOptions options);
  ~Buyers();

  // Every buyer starts checking out, one checkout after another.
  void Start();
  // Each buyer ends after its current checkout; returns when all have.
  void Finish();
  // Checkouts that got an answer from PlaceOrder so far (the killer waits for some between
  // kills, so every kill lands among checkouts).
  int64_t answered() const { return answered_.load(); }
  // Every checkout of every buyer, in no particular order (after Finish).
  std::vector<Attempt> attempts();

  // After the run: each buyer repeats each of its PlaceOrder calls with the same key and
  // request (concurrently, one thread per buyer) and checks the answer is the order it got,
  // now finished (CONFIRMED or FAILED). Returns what disagreed (empty: all agreed).
  std::vector<std::string> Replay();

 private:
  void Run(int index);
  Attempt Checkout(int index, int seq, uint64_t draw);

  FaultWorld& world_;
  const BuyerOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> answered_{0};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<Attempt> attempts_;
};

// The ErrorInfo reason of a failed call, or "".
std::string ReasonOf(const grpc::Status& s);

}  // namespace shopcast::order::faults
