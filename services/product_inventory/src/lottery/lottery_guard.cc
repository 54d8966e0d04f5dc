#include "lottery/lottery_guard.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::lottery {

absl::Status LotteryGuard::CheckArchive(pqxx::work& tx, const std::string& product_id) {
  const pqxx::result running = tx.exec_prepared("pi_lot_running_units_of_product", product_id);
  if (running.empty()) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_IN_PROGRESS",
               absl::StrCat("lottery ", running[0][0].as<std::string>(),
                            " of this product runs: draw or cancel it before archiving"));
}

absl::Status LotteryGuard::CheckUpdate(pqxx::work& /*tx*/, const v1::Product& /*before*/,
                                       const v1::Product& /*after*/) {
  return absl::OkStatus();
}

absl::Status LotteryGuard::CheckWriteOff(pqxx::work& tx, const std::string& product_id,
                                         int64_t units, int64_t available) {
  if (units <= available) return absl::OkStatus();
  const pqxx::result running = tx.exec_prepared("pi_lot_running_units_of_product", product_id);
  if (running.empty()) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, "LOTTERY_IN_PROGRESS",
               absl::StrCat("only ", available, " units are available; lottery ",
                            running[0][0].as<std::string>(), " set ", running[0][1].as<int64_t>(),
                            " aside until its draw"),
               "delta");
}

}  // namespace shopcast::product_inventory::lottery
