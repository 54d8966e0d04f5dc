#pragma once

// The internal ProductInventoryInternalService (order's checkout RPCs), served only on the
// internal listener to callers with a service certificate. Like PublicService it only routes:
// the stock area adds its overrides in its section; the rest answer UNIMPLEMENTED.

#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"

// ---- area headers: stock ----

namespace shopcast::product_inventory {

struct InternalAreas {
  // ---- stock ----
};

class InternalService : public v1::ProductInventoryInternalService::CallbackService {
 public:
  explicit InternalService(InternalAreas areas) : areas_(areas) {}

  // ---- stock ----

 private:
  [[maybe_unused]] InternalAreas areas_;
};

}  // namespace shopcast::product_inventory
