// The winner's hold (the stock area's AuctionHoldHooks, in the closing transaction): a close by
// the timer holds the lot for the winner at the winning price, listed among their reservations;
// reserve not met holds nothing; the lot cannot be reserved while its auction runs (and the
// product names it in open_auction_id); the end of the stream closes its auctions by the same
// rules.

#include <catch2/catch.hpp>

#include "absl/strings/str_format.h"
#include "auction_client.h"
#include "common/pg_time.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::product_inventory::testing {
namespace {

pb::Product SuddenDeath(Auctions& c,
                        const std::function<void(pb::AuctionSettings&)>& edit = nullptr) {
  return c.Product([&](pb::AuctionSettings& s) {
    s.mutable_anti_snipe_window()->set_seconds(0);
    if (edit) edit(s);
  });
}

bool Closed(Auctions& c, const std::string& id) {
  return c.Get(id).status() == pb::AUCTION_STATUS_CLOSED;
}

std::vector<pb::Reservation> HeldBy(Auctions& c, const std::string& token) {
  pb::ListMyReservationsRequest req;
  auto r = c.Call(&Stub::ListMyReservations, token, req);
  if (!r.status.ok()) throw std::runtime_error("list: " + r.status.error_message());
  return {r.response.reservations().begin(), r.response.reservations().end()};
}

pb::Stock StockOf(Auctions& c, const std::string& product) {
  pb::GetStockRequest req;
  req.add_product_ids(product);
  auto r = c.Call(&Stub::GetStock, "", req);
  if (!r.status.ok() || r.response.stocks_size() != 1) throw std::runtime_error("stock");
  return r.response.stocks(0);
}

// Product.open_auction_id as GetProduct shows it.
std::string OpenAuctionOf(Auctions& c, const std::string& product) {
  pb::GetProductRequest req;
  req.set_product_id(product);
  auto r = c.Call(&Stub::GetProduct, "", req);
  if (!r.status.ok()) throw std::runtime_error("get product: " + r.status.error_message());
  return r.response.product().open_auction_id();
}

Result<pb::ReserveResponse> Reserve(Auctions& c, const std::string& token,
                                    const std::string& product, const std::string& key) {
  pb::ReserveRequest req;
  req.set_product_id(product);
  req.set_quantity(1);
  req.set_idempotency_key(key);
  return c.Call(&Stub::Reserve, token, req);
}

void EndStream(AppFixture& f, Replica& r, const std::string& stream, const std::string& id) {
  f.EndStream(r, stream, id);
}

TEST_CASE("auction hold: the timer's close holds the lot for the winner at the winning price") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  const std::string a_token = f.TokenFor("usr_a", "viewer");
  const pb::Product product = SuddenDeath(c);
  pb::Auction a = c.Start(product.id(), 10);
  REQUIRE(c.Bid(a_token, a.id(), 1500).status.ok());
  REQUIRE(c.Bid(f.TokenFor("usr_b", "viewer"), a.id(), 1300).status.ok());

  REQUIRE(shopcast::testing::WaitUntil([&] { return Closed(c, a.id()); }, absl::Seconds(40)));
  pb::Auction closed = c.Get(a.id());
  REQUIRE(closed.outcome() == pb::AUCTION_OUTCOME_SOLD);
  CHECK(closed.winner_id() == "usr_a");
  // usr_a's 15.00 maximum answered usr_b's 13.00 with one increment above it.
  const int64_t price = closed.winning_amount().amount_minor();
  CHECK(price > 1300);
  CHECK(price <= 1500);
  REQUIRE_FALSE(closed.winner_reservation_id().empty());

  std::vector<pb::Reservation> held = HeldBy(c, a_token);
  REQUIRE(held.size() == 1);
  const pb::Reservation& r = held[0];
  CHECK(r.id() == closed.winner_reservation_id());
  CHECK(r.product_id() == product.id());
  CHECK(r.source() == pb::RESERVATION_SOURCE_AUCTION_WIN);
  CHECK(r.auction_id() == a.id());
  CHECK(r.unit_price().amount_minor() == price);
  CHECK(r.unit_price().currency() == "USD");
  CHECK(r.quantity() == 1);
  CHECK(r.status() == pb::RESERVATION_STATUS_HELD);
  // The auction's winner_hold_duration (default 30 min) from the close.
  CHECK(FromProto(r.expires_at()) - FromProto(closed.closed_at()) == absl::Minutes(30));
  CHECK(HeldBy(c, f.TokenFor("usr_b", "viewer")).empty());

  const pb::Stock stock = StockOf(c, product.id());
  CHECK(stock.held() == 1);
  CHECK(stock.available() == 0);
  CHECK(stock.available() + stock.held() + stock.sold() == stock.total());
  // The room heard who won.
  std::vector<realtime_push::v1::RoomEvent> events = RoomEvents(f, c.stream());
  REQUIRE(events.back().has_auction_closed());
  CHECK(events.back().auction_closed().result() == realtime_push::v1::AUCTION_RESULT_SOLD);
  CHECK(events.back().auction_closed().winner().user_id() == "usr_a");
  CHECK(events.back().auction_closed().winning_amount().amount_minor() == price);

  // The winner is told personally, by the close's own transaction; the loser is not.
  std::vector<AppFixture::OutboxNotification> won = f.NotificationsOf("usr_a", "auction_won");
  REQUIRE(won.size() == 1);
  CHECK(won[0].destination == "realtime_push");
  CHECK(std::stoll(won[0].xmin) ==
        f.Count("SELECT xmin::text::bigint FROM auctions WHERE id = '" + a.id() + "'"));
  const realtime_push::v1::NotifyRequest& notice = won[0].request;
  REQUIRE(notice.user_ids_size() == 1);
  CHECK(notice.user_ids(0) == "usr_a");
  CHECK(notice.dedupe_key().empty());  // the sink's: the outbox event id
  const realtime_push::v1::Notification& n = notice.notification();
  CHECK(n.kind() == realtime_push::v1::NOTIFICATION_KIND_AUCTION_WON);
  CHECK(n.title() == "You won: " + product.title());
  CHECK(n.auction_id() == a.id());
  CHECK(n.product_id() == product.id());
  CHECK(n.stream_id() == c.stream());
  CHECK(n.link() == "/live/" + c.stream());
  CHECK_THAT(n.body(), Catch::Contains(absl::StrFormat("%d.%02d USD", price / 100, price % 100)));
  CHECK_THAT(n.body(),
             Catch::Contains(absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", FromProto(r.expires_at()),
                                              absl::UTCTimeZone())));
  CHECK(f.NotificationsOf("usr_b", "auction_won").empty());

  // Its only unit is held: no second auction of it.
  auto again = c.TryStart(c.host(), product.id(), 600);
  CHECK(again.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(again.status) == "SOLD_OUT");
}

TEST_CASE("auction hold: reserve not met holds nothing and the stock stays available") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  const std::string a_token = f.TokenFor("usr_a", "viewer");
  const pb::Product product =
      SuddenDeath(c, [](pb::AuctionSettings& s) { *s.mutable_reserve_price() = Money(3000); });
  const pb::Stock before = StockOf(c, product.id());
  pb::Auction a = c.Start(product.id(), 10);
  REQUIRE(c.Bid(a_token, a.id(), 2000).status.ok());

  REQUIRE(shopcast::testing::WaitUntil([&] { return Closed(c, a.id()); }, absl::Seconds(40)));
  pb::Auction closed = c.Get(a.id());
  CHECK(closed.outcome() == pb::AUCTION_OUTCOME_RESERVE_NOT_MET);
  CHECK(closed.winner_reservation_id().empty());
  CHECK(HeldBy(c, a_token).empty());
  CHECK(f.NotificationsOf("usr_a", "auction_won").empty());  // nothing won
  CHECK(f.Count("SELECT count(*) FROM holds WHERE product_id = '" + product.id() + "'") == 0);
  const pb::Stock after = StockOf(c, product.id());
  CHECK(after.available() == before.available());
  CHECK(after.held() == 0);
  CHECK(after.sold() == 0);
  // The lot can go under the hammer again.
  CHECK(c.TryStart(c.host(), product.id(), 600).status.ok());
}

TEST_CASE("auction hold: the lot cannot be reserved while its auction runs") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  const std::string buyer = f.TokenFor("usr_a", "viewer");
  const pb::Product product = c.Product();
  pb::Auction a = c.Start(product.id(), 600);

  auto refused = Reserve(c, buyer, product.id(), "k1");
  CHECK(refused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(refused.status) == "AUCTION_IN_PROGRESS");
  CHECK(f.Count("SELECT count(*) FROM holds") == 0);
  CHECK(StockOf(c, product.id()).available() == 1);
  // The product names its running auction.
  CHECK(OpenAuctionOf(c, product.id()) == a.id());

  // BuyNow takes the lot as a BUY_NOW hold; the auction product stays out of Reserve.
  auto bought = c.BuyNow(buyer, a.id(), 5000);
  REQUIRE(bought.status.ok());
  auto held = HeldBy(c, buyer);
  REQUIRE(held.size() == 1);
  CHECK(held[0].source() == pb::RESERVATION_SOURCE_BUY_NOW);
  CHECK(held[0].auction_id() == a.id());
  CHECK(held[0].unit_price().amount_minor() == 5000);
  CHECK(StockOf(c, product.id()).held() == 1);
  CHECK(OpenAuctionOf(c, product.id()).empty());
  auto after = Reserve(c, f.TokenFor("usr_b", "viewer"), product.id(), "k2");
  CHECK(after.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_CASE("auction hold: stream_ended closes the stream's open auctions by the usual rules") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  Auctions c(f, replica);
  const std::string a_token = f.TokenFor("usr_a", "viewer");
  const pb::Product sold_product = c.Product();
  const pb::Product unmet_product =
      c.Product([](pb::AuctionSettings& s) { *s.mutable_reserve_price() = Money(3000); });
  const pb::Product quiet_product = c.Product();
  pb::Auction sold = c.Start(sold_product.id(), 600);
  pb::Auction unmet = c.Start(unmet_product.id(), 600);
  pb::Auction quiet = c.Start(quiet_product.id(), 600);
  REQUIRE(c.Bid(a_token, sold.id(), 1700).status.ok());
  REQUIRE(c.Bid(a_token, unmet.id(), 2000).status.ok());

  EndStream(f, replica, c.stream(), "evt_end_1");
  // Redelivered: applied once.
  EndStream(f, replica, c.stream(), "evt_end_1");

  pb::Auction s = c.Get(sold.id());
  CHECK(s.status() == pb::AUCTION_STATUS_CLOSED);
  CHECK(s.outcome() == pb::AUCTION_OUTCOME_SOLD);
  CHECK(s.winner_id() == "usr_a");
  CHECK(c.Get(unmet.id()).outcome() == pb::AUCTION_OUTCOME_RESERVE_NOT_MET);
  CHECK(c.Get(quiet.id()).outcome() == pb::AUCTION_OUTCOME_NO_BIDS);
  std::vector<pb::Reservation> held = HeldBy(c, a_token);
  REQUIRE(held.size() == 1);
  CHECK(held[0].id() == s.winner_reservation_id());
  CHECK(held[0].source() == pb::RESERVATION_SOURCE_AUCTION_WIN);
  CHECK(held[0].unit_price().amount_minor() == 1000);
  CHECK(StockOf(c, unmet_product.id()).available() == 1);
  CHECK(StockOf(c, quiet_product.id()).available() == 1);
  std::vector<std::string> types = RoomEventTypes(f, c.stream());
  CHECK(std::count(types.begin(), types.end(), "auction_closed") == 3);
  // A stream that ended starts no auctions.
  CHECK(ReasonOf(c.TryStart(c.host(), quiet_product.id(), 600).status) == "STREAM_NOT_LIVE");
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
