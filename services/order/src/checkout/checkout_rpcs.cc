#include "checkout/checkout_rpcs.h"

#include <utility>

#include "absl/time/clock.h"
#include "shopcast/auth/caller.h"
#include "shopcast/ids/ids.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::order::checkout {
namespace {

absl::Time DeadlineOf(const grpc::CallbackServerContext& ctx) {
  return absl::FromChrono(ctx.deadline());
}

}  // namespace

CheckoutRpcs::CheckoutRpcs(Checkout& checkout, const auth::TokenVerifier& verifier,
                           const auth::RevocationList* revoked, server::Executor& executor,
                           SettlePayment settle)
    : checkout_(checkout),
      verifier_(verifier),
      revoked_(revoked),
      executor_(executor),
      settle_(std::move(settle)) {}

grpc::ServerUnaryReactor* CheckoutRpcs::PlaceOrder(grpc::CallbackServerContext* ctx,
                                                   const v1::PlaceOrderRequest* request,
                                                   v1::PlaceOrderResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    // The claims, not just the caller: SaleRecorded carries the buyer's display name.
    ASSIGN_OR_RETURN(auth::Claims claims,
                     auth::AuthenticateClaims(*ctx, verifier_, revoked_, absl::Now()));
    ASSIGN_OR_RETURN(*response->mutable_order(),
                     checkout_.Place(claims, *request, DeadlineOf(*ctx)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CheckoutRpcs::GetOrder(grpc::CallbackServerContext* ctx,
                                                 const v1::GetOrderRequest* request,
                                                 v1::GetOrderResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    if (request->order_id().empty()) {
      return InvalidArgument("order_id", "ID_REQUIRED", "order_id is required");
    }
    ASSIGN_OR_RETURN(*response->mutable_order(), checkout_.Get(caller, request->order_id()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* CheckoutRpcs::ListOrders(grpc::CallbackServerContext* ctx,
                                                   const v1::ListOrdersRequest* request,
                                                   v1::ListOrdersResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    return checkout_.List(caller, *request, response);
  });
}

grpc::ServerUnaryReactor* CheckoutRpcs::CompletePlaceholderPayment(
    grpc::CallbackServerContext* ctx, const v1::CompletePlaceholderPaymentRequest* request,
    v1::CompletePlaceholderPaymentResponse* response) {
  if (!settle_) {
    return server::FinishNow(ctx, Error(absl::StatusCode::kUnimplemented, "NOT_SERVED",
                                        "the placeholder provider is not configured"));
  }
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    if (request->payment_id().empty()) {
      return InvalidArgument("payment_id", "ID_REQUIRED", "payment_id is required");
    }
    if (!ids::IsValidId(request->payment_id(), "pay")) {
      return NotFound("PAYMENT_NOT_FOUND", "no such payment");
    }
    RETURN_IF_ERROR(settle_(request->payment_id(), request->approve(), request->decline_code()));
    ASSIGN_OR_RETURN(*response->mutable_order(),
                     checkout_.ResumePayment(request->payment_id(), DeadlineOf(*ctx)));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::order::checkout
