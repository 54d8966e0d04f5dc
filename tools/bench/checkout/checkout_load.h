#pragma once

// Buyers checking out over gRPC: `buyers` slots, each running one flow at a time — Reserve at
// product-inventory's public API, then (unless reserve_only) PlaceOrder at order's public API
// with the reservation it got — and starting its next flow when the last answer arrives (gRPC's
// callback API: the answer's callback sends the next call, no thread per buyer). Every call
// carries its slot's buyer token. Latency is the client's, from send to answer, per hop and for
// the whole flow.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/latency.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"

namespace shopcast::bench::checkout {

namespace pi = ::shopcast::product_inventory::v1;
namespace ov1 = ::shopcast::order::v1;

struct LoadOptions {
  int buyers = 64;
  double seconds = 20;
  bool reserve_only = false;
  // The placeholder payment token of every order.
  std::string payment_token = "pm_test_approve";
};

// The product of flow `i` (0, 1, …).
using ProductOf = std::function<const std::string&(int64_t i)>;

struct LoadResult {
  int64_t flows = 0;
  // Reserve: OK, RESOURCE_EXHAUSTED (sold out, limit), anything else.
  int64_t reserved = 0, reserve_refused = 0, reserve_errors = 0;
  // PlaceOrder: OK with the order CONFIRMED, OK with another status, an error status.
  int64_t confirmed = 0, not_confirmed = 0, place_errors = 0;
  double seconds = 0;
  LatencySummary reserve, place, flow;
  // Flows completed per second: confirmed orders (checkout) or holds (reserve_only).
  double completed_per_second() const;
};

// Runs flows until `seconds` have passed (flows in progress then finish), `buyers` at a time;
// slot s uses buyers[s % buyers.size()] and stubs [s % stubs.size()].
LoadResult RunLoad(const std::vector<std::unique_ptr<pi::ProductInventoryService::Stub>>& pi_stubs,
                   const std::vector<std::unique_ptr<ov1::OrderService::Stub>>& order_stubs,
                   const std::vector<std::string>& buyer_authorizations,
                   const ProductOf& product_of, const LoadOptions& options);

}  // namespace shopcast::bench::checkout
