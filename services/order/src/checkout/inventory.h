#pragma once

// The checkout's view of product-inventory: its internal checkout RPCs, each one call with a
// deadline. An interface so the saga's tests can script product-inventory's answers.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"

namespace shopcast::order::checkout {

namespace pi = ::shopcast::product_inventory::v1;

// Errors keep product-inventory's reason (RESERVATION_EXPIRED, NOT_RESERVATION_OWNER, …); a
// product-inventory that is down or slow is UNAVAILABLE or DEADLINE_EXCEEDED.
class Inventory {
 public:
  virtual ~Inventory() = default;
  virtual absl::StatusOr<pi::GetReservationForCheckoutResponse> GetForCheckout(
      const std::string& reservation_id, const std::string& buyer_id) = 0;
  virtual absl::StatusOr<pi::Reservation> Lock(const std::string& reservation_id,
                                               const std::string& order_id,
                                               absl::Duration lock_duration) = 0;
  virtual absl::StatusOr<pi::Reservation> Commit(const std::string& reservation_id,
                                                 const std::string& order_id) = 0;
  virtual absl::Status Release(const std::string& reservation_id, const std::string& order_id,
                               const std::string& reason) = 0;
  // A sale cancelled or refunded (src/lifecycle): the committed units go back on sale.
  // Idempotent per order; FAILED_PRECONDITION/RESERVATION_NOT_COMMITTED when the reservation
  // was not sold to `order_id`.
  virtual absl::Status ReturnCommittedStock(const std::string& reservation_id,
                                            const std::string& order_id) = 0;
};

// Over ProductInventoryInternalService on `channel` (the internal listener, mutual TLS); every
// call bounded by `timeout`.
std::unique_ptr<Inventory> MakeGrpcInventory(std::shared_ptr<grpc::Channel> channel,
                                             absl::Duration timeout);

}  // namespace shopcast::order::checkout
