// The auctions' SaleGuard through the whole App: while an auction runs, its product is not
// archived, its terms (price, currency, sale mode, auction settings) stay and none of its units
// is written off — FAILED_PRECONDITION/AUCTION_IN_PROGRESS with nothing changed; other edits
// and restocks pass, and once the auction is over every refused change goes through.

#include <catch2/catch.hpp>

#include "auction_client.h"
#include "google/protobuf/field_mask.pb.h"

namespace shopcast::product_inventory::testing {
namespace {

Result<pb::UpdateProductResponse> Update(Auctions& c, pb::Product product,
                                         const std::string& path) {
  pb::UpdateProductRequest req;
  req.mutable_update_mask()->add_paths(path);
  *req.mutable_product() = std::move(product);
  return c.Call(&Stub::UpdateProduct, c.host(), req);
}

Result<pb::ArchiveProductResponse> Archive(Auctions& c, const std::string& product) {
  pb::ArchiveProductRequest req;
  req.set_product_id(product);
  return c.Call(&Stub::ArchiveProduct, c.host(), req);
}

Result<pb::AdjustStockResponse> Adjust(Auctions& c, const std::string& product, int64_t delta,
                                       const std::string& key) {
  pb::AdjustStockRequest req;
  req.set_product_id(product);
  req.set_delta(delta);
  req.set_note("damaged");
  req.set_idempotency_key(key);
  return c.Call(&Stub::AdjustStock, c.host(), req);
}

pb::Product Current(Auctions& c, const std::string& product) {
  pb::GetProductRequest req;
  req.set_product_id(product);
  auto r = c.Call(&Stub::GetProduct, c.host(), req);
  if (!r.status.ok()) throw std::runtime_error("get product: " + r.status.error_message());
  return r.response.product();
}

// The auctions, the products, the stock and its ledger (the outbox gets coalesced stock
// announcements at its own pace, so it is left out).
std::string State(AppFixture& f) {
  return std::to_string(f.Count("SELECT coalesce(sum(version), 0) FROM auctions")) + "/" +
         std::to_string(f.Count("SELECT count(*) FROM auction_bids")) + "/" +
         std::to_string(f.Count("SELECT coalesce(sum(version), 0) FROM products")) + "/" +
         std::to_string(f.Count("SELECT coalesce(sum(total), 0) FROM stock")) + "/" +
         std::to_string(f.Count("SELECT coalesce(sum(revision), 0) FROM stock")) + "/" +
         std::to_string(f.Count("SELECT count(*) FROM stock_adjustments"));
}

void CheckInProgress(const grpc::Status& s) {
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(s) == "AUCTION_IN_PROGRESS");
}

TEST_CASE("auction guard: an open auction's product is not archived, repriced or written off") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  const pb::Product product = c.Product();
  const pb::Auction a = c.Start(product.id(), 600);
  REQUIRE(c.Bid(f.TokenFor("usr_a", "viewer"), a.id(), 1200).status.ok());
  const std::string before = State(f);
  const int64_t product_version = Current(c, product.id()).version();

  CheckInProgress(Archive(c, product.id()).status);
  {
    pb::Product higher = Current(c, product.id());
    higher.mutable_auction_settings()->mutable_starting_bid()->set_amount_minor(2000);
    CheckInProgress(Update(c, higher, "auction_settings").status);
  }
  {
    pb::Product euros = Current(c, product.id());
    euros.mutable_auction_settings()->mutable_starting_bid()->set_currency("EUR");
    CheckInProgress(Update(c, euros, "auction_settings").status);
  }
  {
    pb::Product fixed = Current(c, product.id());
    fixed.set_sale_mode(pb::SALE_MODE_FIXED_PRICE);
    fixed.mutable_price()->set_amount_minor(4500);
    fixed.mutable_price()->set_currency("USD");
    CheckInProgress(Update(c, fixed, "price").status);
  }
  CheckInProgress(Adjust(c, product.id(), -1, "w1").status);
  // Nothing changed: the auction, the product, the stock, the ledger.
  CHECK(State(f) == before);
  CHECK(Current(c, product.id()).version() == product_version);
  CHECK(Current(c, product.id()).status() == pb::PRODUCT_STATUS_LISTED);
  CHECK(f.Count("SELECT count(*) FROM stock_adjustments") == 0);
  CHECK(c.Get(a.id()).status() == pb::AUCTION_STATUS_OPEN);

  // What does not touch the lot or its terms passes: a new title, a restock.
  {
    pb::Product titled = Current(c, product.id());
    titled.set_title("Signed, mint");
    auto r = Update(c, titled, "title");
    REQUIRE(r.status.ok());
    CHECK(r.response.product().title() == "Signed, mint");
  }
  REQUIRE(Adjust(c, product.id(), 2, "r1").status.ok());

  // Over (cancelled here): each refused change goes through.
  REQUIRE(c.Close(c.host(), a.id(), /*cancel=*/true).status.ok());
  auto written_off = Adjust(c, product.id(), -1, "w1");
  REQUIRE(written_off.status.ok());
  CHECK(written_off.response.stock().total() == 2);
  {
    pb::Product higher = Current(c, product.id());
    higher.mutable_auction_settings()->mutable_starting_bid()->set_amount_minor(2000);
    auto r = Update(c, higher, "auction_settings");
    REQUIRE(r.status.ok());
    CHECK(r.response.product().auction_settings().starting_bid().amount_minor() == 2000);
  }
  auto archived = Archive(c, product.id());
  REQUIRE(archived.status.ok());
  CHECK(archived.response.product().status() == pb::PRODUCT_STATUS_ARCHIVED);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
