#include "stock/stock_wire_sql.h"

namespace shopcast::product_inventory::stock::wire_sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"pi_stock_wire_product_facts", kProductFacts},
      {"pi_stock_wire_open_stream_products", kOpenStreamProducts},
      {"pi_stock_wire_buyer_holds", kBuyerHolds},
      {"pi_stock_wire_product_body", kProductBody},
      {"pi_stock_wire_record_release_reason", kRecordReleaseReason},
      {"pi_stock_wire_release_reason", kReleaseReason},
  };
}

}  // namespace shopcast::product_inventory::stock::wire_sql
