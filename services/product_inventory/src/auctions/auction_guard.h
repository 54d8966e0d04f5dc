#pragma once

// The auctions' SaleGuard (common/hooks.h): while an auction of a product is open its lot is
// promised to the winner and its terms to the bidders, so the product is not archived, its
// price, currency, sale mode and auction settings stay, and no unit is written off —
// FAILED_PRECONDITION/AUCTION_IN_PROGRESS naming the auction in the message.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/hooks.h"

namespace shopcast::product_inventory::auctions {

class AuctionGuard final : public SaleGuard {
 public:
  absl::Status CheckArchive(pqxx::work& tx, const std::string& product_id) override;
  absl::Status CheckUpdate(pqxx::work& tx, const v1::Product& before,
                           const v1::Product& after) override;
  absl::Status CheckWriteOff(pqxx::work& tx, const std::string& product_id, int64_t units,
                             int64_t available) override;
};

}  // namespace shopcast::product_inventory::auctions
