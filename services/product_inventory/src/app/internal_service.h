#pragma once

// The internal ProductInventoryInternalService (order's checkout RPCs), served only on the
// internal listener to callers with a service certificate. Like PublicService it only routes:
// the stock area adds its overrides in its section; the rest answer UNIMPLEMENTED.

#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"

// ---- area headers: stock ----
#include "stock/stock_rpcs.h"

namespace shopcast::product_inventory {

struct InternalAreas {
  // ---- stock ----
  stock::StockRpcs* stock = nullptr;
};

// Declares the override of unary `Method` (request and response named after it).
#define SHOPCAST_PI_INTERNAL_UNARY(Method)                             \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response) override

class InternalService : public v1::ProductInventoryInternalService::CallbackService {
 public:
  explicit InternalService(InternalAreas areas) : areas_(areas) {}

  // ---- stock ----
  SHOPCAST_PI_INTERNAL_UNARY(GetReservationForCheckout);
  SHOPCAST_PI_INTERNAL_UNARY(LockReservationForCheckout);
  SHOPCAST_PI_INTERNAL_UNARY(CommitReservation);
  SHOPCAST_PI_INTERNAL_UNARY(ReleaseReservationForOrder);
  SHOPCAST_PI_INTERNAL_UNARY(ReturnCommittedStock);

 private:
  [[maybe_unused]] InternalAreas areas_;
};

#undef SHOPCAST_PI_INTERNAL_UNARY

}  // namespace shopcast::product_inventory
