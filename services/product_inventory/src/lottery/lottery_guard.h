#pragma once

// The lotteries' SaleGuard (common/hooks.h): while a lottery of a product runs, its units are
// promised to whoever the draw picks, so the product is not archived and a write-off cannot
// reach the units it set aside — FAILED_PRECONDITION/LOTTERY_IN_PROGRESS. Price and sale-mode
// changes pass: the lottery froze its price at start and sells only through its draw.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/hooks.h"

namespace shopcast::product_inventory::lottery {

class LotteryGuard final : public SaleGuard {
 public:
  absl::Status CheckArchive(pqxx::work& tx, const std::string& product_id) override;
  absl::Status CheckUpdate(pqxx::work& tx, const v1::Product& before,
                           const v1::Product& after) override;
  // Set-aside units are out of the stock's total already, so a write-off can never take
  // them; one asking for more than is available gets this reason (what holds the rest) instead
  // of INSUFFICIENT_AVAILABLE_STOCK.
  absl::Status CheckWriteOff(pqxx::work& tx, const std::string& product_id, int64_t units,
                             int64_t available) override;
};

}  // namespace shopcast::product_inventory::lottery
