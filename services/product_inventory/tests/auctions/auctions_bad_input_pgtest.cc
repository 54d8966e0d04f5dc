// The auctions' bad-input table: each refused call answers its code and reason, and nothing is
// stored, bumped or announced (the auctions' tables and the outbox are unchanged).

#include <catch2/catch.hpp>
#include <functional>
#include <pqxx/pqxx>

#include "auction_client.h"
#include "shopcast/ids/ids.h"

namespace shopcast::product_inventory::testing {
namespace {

struct BadCase {
  std::string name;
  std::function<grpc::Status()> call;
  grpc::StatusCode code;
  std::string reason;
};

TEST_CASE("auctions: bad input is refused with its reason and changes nothing") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  const std::string buyer = f.TokenFor("usr_a", "viewer");
  const std::string second = f.TokenFor("usr_b", "viewer");
  pb::Auction open = c.Start(c.Product().id(), 600);
  REQUIRE(c.Bid(buyer, open.id(), 1000).status.ok());  // minimum next: 10.50
  pb::Auction cancelled = c.Start(c.Product().id(), 600);
  REQUIRE(c.Close(c.host(), cancelled.id(), /*cancel=*/true).status.ok());
  pb::Product idle = c.Product();
  pb::Product no_buy_now = c.Product([](pb::AuctionSettings& s) { s.clear_buy_now_price(); });
  pb::Auction plain = c.Start(no_buy_now.id(), 600);
  // A fixed-price product.
  pb::CreateProductRequest fixed_req = Catalog::FixedPrice(
      c.CreateApparelType("Other"), c.CreateProfile(c.host(), "Fixed"), "fixed");
  auto fixed = c.Create(c.host(), fixed_req);
  REQUIRE(fixed.status.ok());
  // An auction product in a stream that has ended.
  const std::string ended_stream = f.AddStream("usr_host");
  pb::CreateProductRequest ended_req =
      Catalog::Auction(c.CreateApparelType("Third"), c.CreateProfile(c.host(), "Ended"), "ended");
  ended_req.mutable_product()->mutable_auction_settings()->clear_reserve_price();
  ended_req.mutable_product()->set_stream_id(ended_stream);
  auto ended_product = c.Create(c.host(), ended_req);
  REQUIRE(ended_product.status.ok());
  {
    pqxx::connection conn(f.dsn());
    pqxx::work tx(conn);
    tx.exec_params0("UPDATE streams SET status = 4, ended_at = now() WHERE id = $1", ended_stream);
    tx.commit();
  }
  const std::string unknown_auction = ids::NewId("auc");
  const std::string unknown_product = ids::NewId("prd");

  std::vector<BadCase> cases = {
      {"bid below the minimum", [&] { return c.Bid(second, open.id(), 1040).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "BID_TOO_LOW"},
      {"bid on a closed auction", [&] { return c.Bid(buyer, cancelled.id(), 5000).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "AUCTION_NOT_OPEN"},
      {"bid in another currency", [&] { return c.Bid(second, open.id(), 5000, "", "EUR").status; },
       grpc::StatusCode::INVALID_ARGUMENT, "CURRENCY_MISMATCH"},
      {"bid of nothing", [&] { return c.Bid(second, open.id(), 0).status; },
       grpc::StatusCode::INVALID_ARGUMENT, "BID_AMOUNT_INVALID"},
      {"bid absurdly high",
       [&] { return c.Bid(second, open.id(), 2'000'000'000'000'000'000).status; },
       grpc::StatusCode::INVALID_ARGUMENT, "BID_AMOUNT_INVALID"},
      {"the seller bids", [&] { return c.Bid(c.host(), open.id(), 5000).status; },
       grpc::StatusCode::PERMISSION_DENIED, "SELLER_CANNOT_BID"},
      {"bid without a token", [&] { return c.Bid("", open.id(), 5000).status; },
       grpc::StatusCode::UNAUTHENTICATED, "TOKEN_MISSING"},
      {"bid without an idempotency key",
       [&] {
         pb::PlaceBidRequest req;
         req.set_auction_id(open.id());
         *req.mutable_amount() = Money(5000);
         return c.Call(&Stub::PlaceBid, second, req).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT, "IDEMPOTENCY_KEY_INVALID"},
      {"bid on an unknown auction", [&] { return c.Bid(second, unknown_auction, 5000).status; },
       grpc::StatusCode::NOT_FOUND, "AUCTION_NOT_FOUND"},
      {"bid on a malformed id", [&] { return c.Bid(second, "auc_nope", 5000).status; },
       grpc::StatusCode::NOT_FOUND, "AUCTION_NOT_FOUND"},
      {"buy-now without a buy-now price", [&] { return c.BuyNow(second, plain.id(), 5000).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "BUY_NOW_UNAVAILABLE"},
      {"buy-now at another price", [&] { return c.BuyNow(second, open.id(), 4999).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "PRICE_CHANGED"},
      {"buy-now on a closed auction", [&] { return c.BuyNow(second, cancelled.id(), 5000).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "AUCTION_NOT_OPEN"},
      {"a viewer starts one", [&] { return c.TryStart(c.viewer(), idle.id()).status; },
       grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"},
      {"another host starts one", [&] { return c.TryStart(c.other_host(), idle.id()).status; },
       grpc::StatusCode::PERMISSION_DENIED, "NOT_PRODUCT_OWNER"},
      {"start of an unknown product", [&] { return c.TryStart(c.host(), unknown_product).status; },
       grpc::StatusCode::NOT_FOUND, "PRODUCT_NOT_FOUND"},
      {"start of a fixed-price product",
       [&] { return c.TryStart(c.host(), fixed.response.product().id()).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "PRODUCT_NOT_AUCTION"},
      {"start of a product already auctioned",
       [&] { return c.TryStart(c.host(), open.product_id()).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "AUCTION_ALREADY_OPEN"},
      {"start in an ended stream",
       [&] { return c.TryStart(c.host(), ended_product.response.product().id()).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "STREAM_NOT_LIVE"},
      {"start for too short", [&] { return c.TryStart(c.host(), idle.id(), 5).status; },
       grpc::StatusCode::INVALID_ARGUMENT, "DURATION_OUT_OF_RANGE"},
      {"start for too long", [&] { return c.TryStart(c.host(), idle.id(), 7200).status; },
       grpc::StatusCode::INVALID_ARGUMENT, "DURATION_OUT_OF_RANGE"},
      {"another host closes someone else's auction",
       [&] { return c.Close(c.other_host(), open.id(), false).status; },
       grpc::StatusCode::PERMISSION_DENIED, "NOT_AUCTION_OWNER"},
      {"a viewer closes one", [&] { return c.Close(c.viewer(), open.id(), false).status; },
       grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"},
      {"close of an unknown auction",
       [&] { return c.Close(c.host(), unknown_auction, false).status; },
       grpc::StatusCode::NOT_FOUND, "AUCTION_NOT_FOUND"},
      {"a cancelled auction closed as sold",
       [&] { return c.Close(c.host(), cancelled.id(), false).status; },
       grpc::StatusCode::FAILED_PRECONDITION, "AUCTION_NOT_OPEN"},
      {"get of an unknown auction",
       [&] {
         pb::GetAuctionRequest req;
         req.set_auction_id(unknown_auction);
         return c.Call(&Stub::GetAuction, "", req).status;
       },
       grpc::StatusCode::NOT_FOUND, "AUCTION_NOT_FOUND"},
      {"bids of an unknown auction",
       [&] {
         pb::ListBidsRequest req;
         req.set_auction_id(unknown_auction);
         return c.Call(&Stub::ListBids, "", req).status;
       },
       grpc::StatusCode::NOT_FOUND, "AUCTION_NOT_FOUND"},
      {"a page token from another list",
       [&] {
         pb::ListBidsRequest req;
         req.set_auction_id(open.id());
         req.mutable_page()->set_page_token("forged");
         return c.Call(&Stub::ListBids, "", req).status;
       },
       grpc::StatusCode::INVALID_ARGUMENT, "PAGE_TOKEN_INVALID"},
  };
  // One App for the whole table (each row is independent of the others: none changes state).
  for (const BadCase& bad : cases) {
    INFO(bad.name);
    const std::string before = c.Fingerprint();
    const grpc::Status s = bad.call();
    CHECK(s.error_code() == bad.code);
    CHECK(ReasonOf(s) == bad.reason);
    CHECK(c.Fingerprint() == before);
  }
  // The minimum travels with BID_TOO_LOW.
  CHECK(MetadataOf(c.Bid(second, open.id(), 1040).status, "minimum_next_bid_minor") == "1050");
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
