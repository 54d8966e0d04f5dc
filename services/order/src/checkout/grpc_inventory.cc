#include <utility>

#include "checkout/inventory.h"
#include "google/protobuf/duration.pb.h"
#include "shopcast/clients/call.h"

namespace shopcast::order::checkout {
namespace {

constexpr char kPeer[] = "product-inventory";

class GrpcInventory : public Inventory {
 public:
  GrpcInventory(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(pi::ProductInventoryInternalService::NewStub(std::move(channel))),
        timeout_(timeout) {}

  absl::StatusOr<pi::GetReservationForCheckoutResponse> GetForCheckout(
      const std::string& reservation_id, const std::string& buyer_id) override {
    pi::GetReservationForCheckoutRequest request;
    request.set_reservation_id(reservation_id);
    request.set_buyer_id(buyer_id);
    // The saga's calls are its own (recovery runs them with no caller), so no parent context:
    // the buyer's token is not forwarded to an internal RPC that would not read it anyway.
    return clients::Call(kPeer, *stub_, &Stub::GetReservationForCheckout, request, nullptr,
                         timeout_);
  }

  absl::StatusOr<pi::Reservation> Lock(const std::string& reservation_id,
                                       const std::string& order_id,
                                       absl::Duration lock_duration) override {
    pi::LockReservationForCheckoutRequest request;
    request.set_reservation_id(reservation_id);
    request.set_order_id(order_id);
    request.mutable_lock_duration()->set_seconds(absl::ToInt64Seconds(lock_duration));
    auto response =
        clients::Call(kPeer, *stub_, &Stub::LockReservationForCheckout, request, nullptr, timeout_);
    if (!response.ok()) return response.status();
    return response->reservation();
  }

  absl::StatusOr<pi::Reservation> Commit(const std::string& reservation_id,
                                         const std::string& order_id) override {
    pi::CommitReservationRequest request;
    request.set_reservation_id(reservation_id);
    request.set_order_id(order_id);
    auto response =
        clients::Call(kPeer, *stub_, &Stub::CommitReservation, request, nullptr, timeout_);
    if (!response.ok()) return response.status();
    return response->reservation();
  }

  absl::Status Release(const std::string& reservation_id, const std::string& order_id,
                       const std::string& reason) override {
    pi::ReleaseReservationForOrderRequest request;
    request.set_reservation_id(reservation_id);
    request.set_order_id(order_id);
    request.set_reason(reason);
    return clients::Call(kPeer, *stub_, &Stub::ReleaseReservationForOrder, request, nullptr,
                         timeout_)
        .status();
  }

  absl::Status ReturnCommittedStock(const std::string& reservation_id,
                                    const std::string& order_id) override {
    pi::ReturnCommittedStockRequest request;
    request.set_reservation_id(reservation_id);
    request.set_order_id(order_id);
    return clients::Call(kPeer, *stub_, &Stub::ReturnCommittedStock, request, nullptr, timeout_)
        .status();
  }

 private:
  using Stub = pi::ProductInventoryInternalService::Stub;
  std::unique_ptr<Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<Inventory> MakeGrpcInventory(std::shared_ptr<grpc::Channel> channel,
                                             absl::Duration timeout) {
  return std::make_unique<GrpcInventory>(std::move(channel), timeout);
}

}  // namespace shopcast::order::checkout
