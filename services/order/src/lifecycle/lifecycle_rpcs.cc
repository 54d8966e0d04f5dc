#include "lifecycle/lifecycle_rpcs.h"

#include "absl/time/clock.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::order::lifecycle {
namespace {

absl::Time DeadlineOf(const grpc::CallbackServerContext& ctx) {
  return absl::FromChrono(ctx.deadline());
}

absl::Status RequireOrderId(const std::string& order_id) {
  if (order_id.empty()) return InvalidArgument("order_id", "ID_REQUIRED", "order_id is required");
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* LifecycleRpcs::CancelOrder(grpc::CallbackServerContext* ctx,
                                                     const v1::CancelOrderRequest* request,
                                                     v1::CancelOrderResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    RETURN_IF_ERROR(RequireOrderId(request->order_id()));
    ASSIGN_OR_RETURN(*response->mutable_order(),
                     lifecycle_.Cancel(caller, *request, DeadlineOf(*ctx)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* LifecycleRpcs::MarkOrderShipped(
    grpc::CallbackServerContext* ctx, const v1::MarkOrderShippedRequest* request,
    v1::MarkOrderShippedResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    RETURN_IF_ERROR(RequireOrderId(request->order_id()));
    ASSIGN_OR_RETURN(*response->mutable_order(), lifecycle_.Ship(caller, *request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* LifecycleRpcs::RefundOrder(grpc::CallbackServerContext* ctx,
                                                     const v1::RefundOrderRequest* request,
                                                     v1::RefundOrderResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    RETURN_IF_ERROR(RequireOrderId(request->order_id()));
    ASSIGN_OR_RETURN(*response->mutable_order(),
                     lifecycle_.Refund(caller, *request, DeadlineOf(*ctx)));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::order::lifecycle
