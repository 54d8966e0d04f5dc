#pragma once

// Seams between areas, so each builds and tests alone and the App joins them.

#include <cstdint>
#include <map>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory {

// The stock area's part in the catalogue's transactions. The catalogue calls it (when the App
// wired one) inside the same transaction that writes the product, so a product never exists
// without its stock row nor the other way round. Without it products carry no Stock.
class StockHooks {
 public:
  virtual ~StockHooks() = default;
  // CreateProduct, right after the product row is inserted: `initial_stock` units (already
  // checked to be 1..1,000,000) for `product_id`. An error rolls the product back.
  virtual absl::Status CreateStock(pqxx::work& tx, const std::string& product_id,
                                   int64_t initial_stock, absl::Time now) = 0;
  // The current stock of each of `product_ids` that has a stock row, by id (for Product.stock
  // and the room's ProductCard).
  virtual absl::StatusOr<std::map<std::string, v1::Stock>> ReadStock(
      pqxx::work& tx, const std::vector<std::string>& product_ids) = 0;
  // UpdateProduct, before the product row is written: `after` replaces `before` (whose stock
  // was read in this transaction). The stock takes the new hold duration and purchase limit;
  // an error (a price change a running flash sale cannot follow) rolls the update back.
  virtual absl::Status UpdateRules(pqxx::work& /*tx*/, const v1::Product& /*before*/,
                                   const v1::Product& /*after*/, absl::Time /*now*/) {
    return absl::OkStatus();
  }
};

// The stock area's part in an auction's close. The auctions area calls it (when the App wired
// one) inside the transaction that closes an auction SOLD or BOUGHT_NOW, so the sale and the
// winner's hold commit together; without it the winner and outcome are recorded, no hold made.
class AuctionHooks {
 public:
  virtual ~AuctionHooks() = default;
  // Holds the auctioned unit of `product_id` for `buyer_id` at `price` (the winning bid or the
  // buy-now price) until `now + hold`, as a RESERVATION_SOURCE_AUCTION_WIN (or BUY_NOW when
  // `bought_now`) reservation naming `auction_id`. Returns its res_… id; idempotent per
  // auction. FAILED_PRECONDITION/SOLD_OUT when no unit is left to hold (the lot was written
  // off meanwhile); any error rolls the caller's transaction back unless it handles it.
  virtual absl::StatusOr<std::string> HoldForWinner(pqxx::work& tx, const std::string& product_id,
                                                    const std::string& buyer_id,
                                                    const common::v1::Money& price,
                                                    const std::string& auction_id, bool bought_now,
                                                    absl::Duration hold, absl::Time now) = 0;
  // StartAuction, under the product's lock: OK when a unit is available to auction, else
  // FAILED_PRECONDITION/SOLD_OUT (an auction whose winner could get no hold never starts).
  virtual absl::Status CheckLotAvailable(pqxx::work& tx, const std::string& product_id,
                                         absl::Time now) = 0;
  // After a transaction that made a winner's hold of `product_id` committed (the room's stock
  // announcement may follow it now). Cheap; never blocks.
  virtual void HoldCommitted(const std::string& product_id) = 0;
};

// A running sale (an open auction, a running lottery) refusing product and stock changes that
// would break it. Each area that promises units implements one; the App lists them
// (SaleGuards) and the catalogue and the stock call every one in the transaction of the
// change, after reading the product, so the change and the check see one state. Each returns
// OK or FAILED_PRECONDITION with the area's reason (AUCTION_IN_PROGRESS, LOTTERY_IN_PROGRESS).
class SaleGuard {
 public:
  virtual ~SaleGuard() = default;
  // ArchiveProduct (and UpdateProduct to ARCHIVED) of `product_id`.
  virtual absl::Status CheckArchive(pqxx::work& tx, const std::string& product_id) = 0;
  // UpdateProduct: `after` replaces `before` (not archiving; that is CheckArchive).
  virtual absl::Status CheckUpdate(pqxx::work& tx, const v1::Product& before,
                                   const v1::Product& after) = 0;
  // AdjustStock removing `units` (> 0) of `product_id`, which has `available` available now.
  virtual absl::Status CheckWriteOff(pqxx::work& tx, const std::string& product_id, int64_t units,
                                     int64_t available) = 0;
};

// The guards the App wired; filled before the service serves, read-only after.
using SaleGuards = std::vector<SaleGuard*>;

// The product_images area's part in the catalogue's reads: Product.images of each product
// (catalogue products carry none without it).
class ImageHooks {
 public:
  virtual ~ImageHooks() = default;
  // The images of each of `product_ids` that has any, by id, in display order.
  virtual absl::StatusOr<std::map<std::string, std::vector<v1::ProductImage>>> ReadImages(
      pqxx::work& tx, const std::vector<std::string>& product_ids) = 0;
};

}  // namespace shopcast::product_inventory
