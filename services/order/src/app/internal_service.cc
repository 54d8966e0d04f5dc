#include "app/internal_service.h"

#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::order {

// ---- checkout ----
grpc::ServerUnaryReactor* InternalService::CompletePlaceholderPayment(
    grpc::CallbackServerContext* ctx, const v1::CompletePlaceholderPaymentRequest* request,
    v1::CompletePlaceholderPaymentResponse* response) {
  if (areas_.checkout == nullptr) {
    return server::FinishNow(ctx, Error(absl::StatusCode::kUnimplemented, "NOT_SERVED",
                                        "CompletePlaceholderPayment is not served"));
  }
  return areas_.checkout->CompletePlaceholderPayment(ctx, request, response);
}

}  // namespace shopcast::order
