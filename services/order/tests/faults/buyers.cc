#include "faults/buyers.h"

#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/status.pb.h"
#include "shopcast/common/v1/error.pb.h"
#include "support/app_fixture.h"

namespace shopcast::order::faults {
namespace {

using PiStub = pi::ProductInventoryService::Stub;

// A checkout gives up (and fails the test) if it gets no answer for this long: far beyond
// any restart, lease or recovery of the run.
constexpr absl::Duration kPatience = absl::Seconds(120);
// Between calls that got no answer: the process is restarting.
constexpr absl::Duration kRetryPause = absl::Milliseconds(50);

struct Token {
  const char* token;
  int weight;
};
// Every outcome the provider can give, approvals most often.
constexpr Token kTokens[] = {{"pm_test_approve", 40},
                             {"pm_test_card_declined", 15},
                             {"pm_test_insufficient_funds", 5},
                             {"pm_test_timeout", 15},
                             {"pm_test_error_after_charge", 25}};

// No answer from the service (it died, is not up yet, or a peer it needs was down): a client
// repeats the same call. A transport failure carries no ErrorInfo; UNAVAILABLE with one is the
// service's own "retry with the same key".
bool NoAnswer(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return true;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::CANCELLED:
      return ReasonOf(s).empty();
    default:
      return false;
  }
}

std::string Describe(const grpc::Status& s) {
  return absl::StrCat(s.error_code(), " ", ReasonOf(s), " ", s.error_message());
}

bool Finished(pb::OrderStatus s) {
  return s == pb::ORDER_STATUS_CONFIRMED || s == pb::ORDER_STATUS_FAILED;
}

}  // namespace

std::string ReasonOf(const grpc::Status& s) {
  google::rpc::Status details;
  if (!details.ParseFromString(s.error_details())) return "";
  for (const auto& any : details.details()) {
    common::v1::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

Buyers::Buyers(FaultWorld& world, BuyerOptions options)
    : world_(world), options_(std::move(options)) {}

Buyers::~Buyers() { Finish(); }

void Buyers::Start() {
  for (int i = 0; i < options_.buyers; ++i) threads_.emplace_back([this, i] { Run(i); });
}

void Buyers::Finish() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

std::vector<Attempt> Buyers::attempts() {
  std::lock_guard lock(mu_);
  return attempts_;
}

void Buyers::Run(int index) {
  std::mt19937_64 rng(options_.seed * 1000003 + static_cast<uint64_t>(index));
  for (int seq = 1; !stop_; ++seq) {
    Attempt a = Checkout(index, seq, rng());
    std::lock_guard lock(mu_);
    attempts_.push_back(std::move(a));
  }
}

Attempt Buyers::Checkout(int index, int seq, uint64_t draw) {
  std::mt19937_64 rng(draw);
  Attempt a;
  a.buyer = absl::StrCat("usr_buyer", index);
  const bool scarce = std::bernoulli_distribution(options_.scarce_share)(rng);
  a.product_id = scarce ? options_.scarce.id : options_.plenty.id;
  a.quantity = std::uniform_int_distribution<int>(1, scarce ? 2 : 3)(rng);
  std::vector<int> weights;
  for (const Token& t : kTokens) weights.push_back(t.weight);
  a.payment_token =
      kTokens[std::discrete_distribution<size_t>(weights.begin(), weights.end())(rng)].token;
  a.reserve_key = absl::StrCat("r", seq);
  a.order_key = absl::StrCat("k", seq);
  const std::string token = world_.BuyerToken(a.buyer);
  const absl::Time give_up = absl::Now() + kPatience;

  // Reserve, repeated with its key while product-inventory does not answer.
  pi::ReserveRequest reserve;
  reserve.set_product_id(a.product_id);
  reserve.set_quantity(a.quantity);
  reserve.set_idempotency_key(a.reserve_key);
  for (;;) {
    pi::ReserveResponse res;
    const grpc::Status s = pit::Call(*world_.Inventory(), &PiStub::Reserve, token, reserve, &res);
    if (s.ok()) {
      a.reservation_id = res.reservation().id();
      break;
    }
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      a.reserve_refusal = ReasonOf(s);
      return a;
    }
    if (!NoAnswer(s) || absl::Now() > give_up) {
      a.error = "Reserve: " + Describe(s);
      return a;
    }
    absl::SleepFor(kRetryPause);
  }

  // PlaceOrder, repeated with the same key and request until it gets an answer.
  const pb::PlaceOrderRequest request =
      testing::OrderRequest(a.reservation_id, a.order_key, a.payment_token);
  for (int call = 0;; ++call) {
    grpc::ClientContext ctx;
    testing::Prepare(ctx, token);
    pb::PlaceOrderResponse res;
    // Spread over the replicas, and a repeat goes to the next one, as a load-balancer would
    // send it.
    const int replica = (index + seq + call) % world_.replicas();
    const grpc::Status s = world_.Order(replica)->PlaceOrder(&ctx, request, &res);
    if (s.ok()) {
      a.order_id = res.order().id();
      a.status = res.order().status();
      ++answered_;
      return a;
    }
    if (!NoAnswer(s) || absl::Now() > give_up) {
      a.error = "PlaceOrder: " + Describe(s);
      ++answered_;
      return a;
    }
    ++a.retries;
    absl::SleepFor(kRetryPause);
  }
}

std::vector<std::string> Buyers::Replay() {
  std::vector<Attempt> all = attempts();
  std::vector<std::string> problems;
  std::mutex problems_mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < options_.buyers; ++i) {
    threads.emplace_back([&, i] {
      const std::string buyer = absl::StrCat("usr_buyer", i);
      const std::string token = world_.BuyerToken(buyer);
      for (const Attempt& a : all) {
        if (a.buyer != buyer || a.reservation_id.empty()) continue;
        const pb::PlaceOrderRequest request =
            testing::OrderRequest(a.reservation_id, a.order_key, a.payment_token);
        grpc::ClientContext ctx;
        testing::Prepare(ctx, token);
        pb::PlaceOrderResponse res;
        const grpc::Status s = world_.Order(i % world_.replicas())->PlaceOrder(&ctx, request, &res);
        std::string problem;
        if (!s.ok()) {
          problem = "replay: " + Describe(s);
        } else if (!a.order_id.empty() && res.order().id() != a.order_id) {
          problem =
              absl::StrCat("replay answered ", res.order().id(), ", first answer was ", a.order_id);
        } else if (!Finished(res.order().status())) {
          problem = absl::StrCat("replay: order ", res.order().id(), " still ",
                                 pb::OrderStatus_Name(res.order().status()));
        } else if (Finished(a.status) && res.order().status() != a.status) {
          problem = absl::StrCat("replay: order ", res.order().id(), " was ",
                                 pb::OrderStatus_Name(a.status), ", now ",
                                 pb::OrderStatus_Name(res.order().status()));
        }
        if (!problem.empty()) {
          std::lock_guard lock(problems_mu);
          problems.push_back(absl::StrCat(buyer, " ", a.order_key, ": ", problem));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return problems;
}

}  // namespace shopcast::order::faults
