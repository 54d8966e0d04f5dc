#include "app/public_service.h"

#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

// Defines PublicService::Method as a call of `area`'s Method, or UNIMPLEMENTED when the App
// wired no such area.
#define SHOPCAST_ORDER_FORWARD(area, Method)                                                     \
  grpc::ServerUnaryReactor* PublicService::Method(grpc::CallbackServerContext* ctx,              \
                                                  const v1::Method##Request* request,            \
                                                  v1::Method##Response* response) {              \
    if (areas_.area == nullptr) {                                                                \
      return server::FinishNow(                                                                  \
          ctx, Error(absl::StatusCode::kUnimplemented, "NOT_SERVED", #Method " is not served")); \
    }                                                                                            \
    return areas_.area->Method(ctx, request, response);                                          \
  }

namespace shopcast::order {

// ---- checkout ----
SHOPCAST_ORDER_FORWARD(checkout, PlaceOrder)
SHOPCAST_ORDER_FORWARD(checkout, GetOrder)
SHOPCAST_ORDER_FORWARD(checkout, ListOrders)

// ---- lifecycle ----
SHOPCAST_ORDER_FORWARD(lifecycle, CancelOrder)
SHOPCAST_ORDER_FORWARD(lifecycle, MarkOrderShipped)
SHOPCAST_ORDER_FORWARD(lifecycle, RefundOrder)

}  // namespace shopcast::order
