#include "app/internal_service.h"

namespace shopcast::product_inventory {

// ---- stock ----

}  // namespace shopcast::product_inventory
