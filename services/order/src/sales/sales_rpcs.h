#pragma once

// The sales RPCs (GetStreamSales, GetSellerStats): the caller from its token, the reads on the
// service's executor, statuses out.

#include "grpcpp/grpcpp.h"
#include "sales/sales.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::order::sales {

class SalesRpcs {
 public:
  // Everything outlives the object; `revoked` may be null.
  SalesRpcs(Sales& sales, const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
            server::Executor& executor)
      : sales_(sales), verifier_(verifier), revoked_(revoked), executor_(executor) {}

  grpc::ServerUnaryReactor* GetStreamSales(grpc::CallbackServerContext* ctx,
                                           const v1::GetStreamSalesRequest* request,
                                           v1::GetStreamSalesResponse* response);
  grpc::ServerUnaryReactor* GetSellerStats(grpc::CallbackServerContext* ctx,
                                           const v1::GetSellerStatsRequest* request,
                                           v1::GetSellerStatsResponse* response);

 private:
  Sales& sales_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
};

}  // namespace shopcast::order::sales
