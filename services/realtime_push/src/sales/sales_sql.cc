#include "sales/sales_sql.h"

namespace shopcast::realtime_push::sales::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {"rps_insert_sale", kInsertSale},
      {"rps_cancel_sales", kCancelSales},
  };
}

}  // namespace shopcast::realtime_push::sales::sql
