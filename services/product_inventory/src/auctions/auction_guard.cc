#include "auctions/auction_guard.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::auctions {
namespace {

// FAILED_PRECONDITION/AUCTION_IN_PROGRESS when `product_id` has an open auction. The product's
// row lock (archive, update) or the stock row's (write-off) is the caller's.
absl::Status RefuseWhileOpen(pqxx::work& tx, const std::string& product_id, absl::string_view what,
                             absl::string_view field = "") {
  const pqxx::result open = tx.exec_prepared("pi_auc_open_of_product", product_id);
  if (open.empty()) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, "AUCTION_IN_PROGRESS",
               absl::StrCat("auction ", open[0][0].as<std::string>(), " of this product is open: ",
                            what, " after it closes (or close it first)"),
               field);
}

bool Same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

}  // namespace

absl::Status AuctionGuard::CheckArchive(pqxx::work& tx, const std::string& product_id) {
  return RefuseWhileOpen(tx, product_id, "archive it");
}

absl::Status AuctionGuard::CheckUpdate(pqxx::work& tx, const v1::Product& before,
                                       const v1::Product& after) {
  // The terms bidders bid under; titles, images, shipping and the like may still change.
  if (before.sale_mode() != after.sale_mode()) {
    return RefuseWhileOpen(tx, before.id(), "change the sale mode", "product.sale_mode");
  }
  if (!Same(before.price(), after.price())) {
    return RefuseWhileOpen(tx, before.id(), "change the price or currency", "product.price");
  }
  if (!Same(before.auction_settings(), after.auction_settings())) {
    return RefuseWhileOpen(tx, before.id(), "change the auction settings",
                           "product.auction_settings");
  }
  return absl::OkStatus();
}

absl::Status AuctionGuard::CheckWriteOff(pqxx::work& tx, const std::string& product_id,
                                         int64_t /*units*/, int64_t /*available*/) {
  return RefuseWhileOpen(tx, product_id, "write units off");
}

}  // namespace shopcast::product_inventory::auctions
