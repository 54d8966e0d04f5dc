#pragma once

// The lifecycle's RPCs (CancelOrder, MarkOrderShipped, RefundOrder): the caller from its
// token, the blocking work on the service's executor, statuses out.

#include "grpcpp/grpcpp.h"
#include "lifecycle/lifecycle.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::order::lifecycle {

class LifecycleRpcs {
 public:
  // Everything outlives the object; `revoked` may be null.
  LifecycleRpcs(Lifecycle& lifecycle, const auth::TokenVerifier& verifier,
                const auth::RevocationList* revoked, server::Executor& executor)
      : lifecycle_(lifecycle), verifier_(verifier), revoked_(revoked), executor_(executor) {}

  grpc::ServerUnaryReactor* CancelOrder(grpc::CallbackServerContext* ctx,
                                        const v1::CancelOrderRequest* request,
                                        v1::CancelOrderResponse* response);
  grpc::ServerUnaryReactor* MarkOrderShipped(grpc::CallbackServerContext* ctx,
                                             const v1::MarkOrderShippedRequest* request,
                                             v1::MarkOrderShippedResponse* response);
  grpc::ServerUnaryReactor* RefundOrder(grpc::CallbackServerContext* ctx,
                                        const v1::RefundOrderRequest* request,
                                        v1::RefundOrderResponse* response);

 private:
  Lifecycle& lifecycle_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
};

}  // namespace shopcast::order::lifecycle
