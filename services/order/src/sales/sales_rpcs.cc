#include "sales/sales_rpcs.h"

#include "absl/time/clock.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::order::sales {

grpc::ServerUnaryReactor* SalesRpcs::GetStreamSales(grpc::CallbackServerContext* ctx,
                                                    const v1::GetStreamSalesRequest* request,
                                                    v1::GetStreamSalesResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    return sales_.GetStreamSales(caller, *request, response);
  });
}

grpc::ServerUnaryReactor* SalesRpcs::GetSellerStats(grpc::CallbackServerContext* ctx,
                                                    const v1::GetSellerStatsRequest* request,
                                                    v1::GetSellerStatsResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(auth::Caller caller,
                     auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    return sales_.GetSellerStats(caller, *request, response);
  });
}

}  // namespace shopcast::order::sales
