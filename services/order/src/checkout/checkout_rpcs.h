#pragma once

// The checkout's RPCs (PlaceOrder, GetOrder, ListOrders, CompletePlaceholderPayment): the
// caller from its token, the blocking work on the service's executor, statuses out.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "checkout/checkout.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::order::checkout {

// Settles a pending placeholder payment at the provider (SimulatedProvider::Settle): OK, or
// FAILED_PRECONDITION PAYMENT_ALREADY_SETTLED with another outcome, NOT_FOUND.
using SettlePayment = std::function<absl::Status(const std::string& payment_id, bool approve,
                                                 const std::string& decline_code)>;

class CheckoutRpcs {
 public:
  // Everything outlives the object; `revoked` may be null; `settle` may be empty (then
  // CompletePlaceholderPayment is UNIMPLEMENTED).
  CheckoutRpcs(Checkout& checkout, const auth::TokenVerifier& verifier,
               const auth::RevocationList* revoked, server::Executor& executor,
               SettlePayment settle);

  grpc::ServerUnaryReactor* PlaceOrder(grpc::CallbackServerContext* ctx,
                                       const v1::PlaceOrderRequest* request,
                                       v1::PlaceOrderResponse* response);
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext* ctx,
                                     const v1::GetOrderRequest* request,
                                     v1::GetOrderResponse* response);
  grpc::ServerUnaryReactor* ListOrders(grpc::CallbackServerContext* ctx,
                                       const v1::ListOrdersRequest* request,
                                       v1::ListOrdersResponse* response);
  // Internal.
  grpc::ServerUnaryReactor* CompletePlaceholderPayment(
      grpc::CallbackServerContext* ctx, const v1::CompletePlaceholderPaymentRequest* request,
      v1::CompletePlaceholderPaymentResponse* response);

 private:
  Checkout& checkout_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
  SettlePayment settle_;
};

}  // namespace shopcast::order::checkout
