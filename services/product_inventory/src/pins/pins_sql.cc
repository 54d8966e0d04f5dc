#include "pins/pins_sql.h"

namespace shopcast::product_inventory::pins::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {{"pi_pins_lock_stream", kLockStream},
          {"pi_pins_select", kSelectPins},
          {"pi_pins_delete", kDeletePins},
          {"pi_pins_insert", kInsertPin},
          {"pi_pins_select_product", kSelectProduct}};
}

}  // namespace shopcast::product_inventory::pins::sql
