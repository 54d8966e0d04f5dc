#pragma once

// The clients of the horizontal-scale test (scale_test.cc): buyers that reserve and order over
// the gateways' JSON API, spread over every gateway replica and retrying a call that got no
// answer on the next one with the same idempotency key (as a browser behind a load balancer
// does), and viewers following a room over the gateways' WebSocket that reconnect to the other
// gateway when theirs dies and resume from the last sequence they applied, checking that every
// durable event arrives once and in order.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace shopcast::scale {

// One call's answer through a gateway: `http` 0 when no answer came (connection refused or
// reset, nothing read before the deadline).
struct ApiAnswer {
  int http = 0;
  nlohmann::json body;
  std::string reason;  // body.errorInfo.reason, if any
};

// POST /api/v1/<service>/<Method> on 127.0.0.1:`port` with a bearer token; fresh connection.
ApiAnswer PostJson(int port, const std::string& path, const std::string& token,
                   const nlohmann::json& body);

// No answer, or the gateway/service saying "try again" (502/503/504): the call is repeated
// with the same key on the next gateway.
bool Retryable(const ApiAnswer& a);

struct Checkout {
  int buyer = 0;
  std::string product_id;
  int quantity = 0;
  std::string reservation_id;
  std::string order_key;  // PlaceOrder's idempotency key
  std::string order_id;
  std::string status;  // ORDER_STATUS_… as PlaceOrder (then GetOrder) answered
  absl::Time acknowledged;
};

struct BuyerOptions {
  std::vector<int> gateway_ports;
  std::vector<std::string> tokens;  // one per buyer
  std::string scarce_product;       // bought by every third checkout until it is sold out
  std::string plenty_product;
  absl::Duration patience = absl::Seconds(60);  // per call, across retries
};

class Buyers {
 public:
  explicit Buyers(BuyerOptions options);
  ~Buyers();
  void Start();
  void Stop();  // joins
  // Checkouts PlaceOrder acknowledged (an order id came back).
  std::vector<Checkout> acknowledged() const;
  int acknowledged_count() const { return acknowledged_count_.load(); }
  // Calls that got a retryable answer before a final one, by HTTP status (0 = no answer).
  std::map<int, int> retried() const;
  // Final answers that were neither success nor an expected refusal.
  std::vector<std::string> errors() const;
  // Expected refusals (sold out) by reason.
  std::map<std::string, int> refusals() const;

 private:
  void Run(int buyer);
  // The call with retries over the gateways; the final answer (or an error recorded).
  ApiAnswer Call(int buyer, int& rotor, const std::string& path, const nlohmann::json& body);
  BuyerOptions options_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::vector<Checkout> acknowledged_;
  std::map<int, int> retried_;
  std::vector<std::string> errors_;
  std::map<std::string, int> refusals_;
  std::atomic<int> acknowledged_count_{0};
};

// Viewers of one room over the gateways' WebSocket (shopcast.v1.json), each on its own thread.
class Viewers {
 public:
  // Viewer i starts on gateway i % ports.
  Viewers(std::vector<int> gateway_ports, std::string stream_id, int viewers);
  ~Viewers();
  void Stop();  // joins
  // The last durable sequence each viewer applied (-1 before its first room_started).
  std::vector<int64_t> last_sequences() const;
  // Gaps, duplicates, snapshots where a resume was asked for, error frames.
  std::vector<std::string> problems() const;
  // Connections each viewer opened after its first, and the gateways (port) each was served by.
  std::vector<int> reconnects() const;
  std::vector<std::vector<int>> ports_used() const;
  // Durable events received, all viewers together.
  int64_t events() const { return events_.load(); }

 private:
  struct State;
  void Run(int viewer);
  std::vector<int> ports_;
  std::string stream_id_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> events_{0};
  std::vector<std::unique_ptr<State>> states_;
  std::vector<std::thread> threads_;
};

}  // namespace shopcast::scale
