#pragma once

// The public OrderService: one gRPC class whose methods forward to the areas that implement
// them. Methods no area implements yet answer UNIMPLEMENTED (the generated default).

#include "shopcast/order/v1/order.grpc.pb.h"

// ---- area headers: checkout ----
#include "checkout/checkout_rpcs.h"
// ---- area headers: lifecycle ----
#include "lifecycle/lifecycle_rpcs.h"

// Declares the override of unary `Method` (request and response named after it).
#define SHOPCAST_ORDER_UNARY(Method)                                   \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response) override

namespace shopcast::order {

// The areas' handlers; those left null are not served (UNIMPLEMENTED).
struct PublicAreas {
  // ---- checkout ----
  checkout::CheckoutRpcs* checkout = nullptr;
  // ---- lifecycle ----
  lifecycle::LifecycleRpcs* lifecycle = nullptr;
};

class PublicService : public v1::OrderService::CallbackService {
 public:
  explicit PublicService(PublicAreas areas) : areas_(areas) {}

  // ---- checkout ----
  SHOPCAST_ORDER_UNARY(PlaceOrder);
  SHOPCAST_ORDER_UNARY(GetOrder);
  SHOPCAST_ORDER_UNARY(ListOrders);
  // ---- lifecycle ----
  SHOPCAST_ORDER_UNARY(CancelOrder);
  SHOPCAST_ORDER_UNARY(MarkOrderShipped);
  SHOPCAST_ORDER_UNARY(RefundOrder);

 private:
  PublicAreas areas_;
};

}  // namespace shopcast::order
