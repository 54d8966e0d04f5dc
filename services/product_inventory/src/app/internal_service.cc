#include "app/internal_service.h"

#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

// Defines InternalService::Method as a call of `area`'s Method, or UNIMPLEMENTED when the App
// wired no such area.
#define SHOPCAST_PI_INTERNAL_FORWARD(area, Method)                                               \
  grpc::ServerUnaryReactor* InternalService::Method(grpc::CallbackServerContext* ctx,            \
                                                    const v1::Method##Request* request,          \
                                                    v1::Method##Response* response) {            \
    if (areas_.area == nullptr) {                                                                \
      return server::FinishNow(                                                                  \
          ctx, Error(absl::StatusCode::kUnimplemented, "NOT_SERVED", #Method " is not served")); \
    }                                                                                            \
    return areas_.area->Method(ctx, request, response);                                          \
  }

namespace shopcast::product_inventory {

// ---- stock ----
SHOPCAST_PI_INTERNAL_FORWARD(stock, GetReservationForCheckout)
SHOPCAST_PI_INTERNAL_FORWARD(stock, LockReservationForCheckout)
SHOPCAST_PI_INTERNAL_FORWARD(stock, CommitReservation)
SHOPCAST_PI_INTERNAL_FORWARD(stock, ReleaseReservationForOrder)
SHOPCAST_PI_INTERNAL_FORWARD(stock, ReturnCommittedStock)

}  // namespace shopcast::product_inventory
