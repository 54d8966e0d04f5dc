// Auctions through the whole App over a fresh database: proxy bidding and the increment table
// through the RPCs, the OUTBID notice for a lead lost, nobody outbidding themselves, the seller
// kept out, anti-sniping against sudden death, buy-now, idempotent bids, the reads, and the room
// events in commit order.

#include <catch2/catch.hpp>

#include "auction_client.h"
#include "shopcast/ids/ids.h"

namespace shopcast::product_inventory::testing {
namespace {

TEST_CASE("auctions: proxy bids answer for the leader, by the increment table, highest first") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  const std::string a_token = f.TokenFor("usr_a", "viewer");
  const std::string b_token = f.TokenFor("usr_b", "viewer");
  pb::Product product = c.Product();
  // Ten minutes: every bid below is far from the end, so nothing extends.
  pb::Auction started = c.Start(product.id(), 600);
  CHECK(ids::IsValidId(started.id(), "auc"));
  CHECK(started.status() == pb::AUCTION_STATUS_OPEN);
  CHECK(started.stream_id() == c.stream());
  CHECK(started.minimum_next_bid().amount_minor() == 1000);
  CHECK(started.buy_now_available());
  // The platform table was written into the frozen settings.
  CHECK(started.settings().increments_size() == 10);
  const std::string id = started.id();

  // A's maximum 30.00: A leads at the starting bid.
  auto a1 = c.Bid(a_token, id, 3000);
  REQUIRE(a1.status.ok());
  CHECK(a1.response.auction().leading_bidder_id() == "usr_a");
  CHECK(a1.response.auction().current_bid().amount_minor() == 1000);
  // 10.00 is in the "below 25.00: +0.50" band.
  CHECK(a1.response.auction().minimum_next_bid().amount_minor() == 1050);

  // B bids 15.00: A's proxy answers one increment above, 15.50; A still leads.
  auto b1 = c.Bid(b_token, id, 1500);
  REQUIRE(b1.status.ok());
  CHECK(b1.response.auction().leading_bidder_id() == "usr_a");
  CHECK(b1.response.auction().current_bid().amount_minor() == 1550);
  CHECK(b1.response.bid().amount().amount_minor() == 1500);
  CHECK(ids::IsValidId(b1.response.bid().id(), "bid"));

  // Below the minimum (15.50 + 0.50).
  auto low = c.Bid(b_token, id, 1580);
  CHECK(low.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(low.status) == "BID_TOO_LOW");
  CHECK(MetadataOf(low.status, "minimum_next_bid_minor") == "1600");

  // Nobody outbids themselves: A at or below their own maximum is refused...
  auto self = c.Bid(a_token, id, 2500);
  CHECK(self.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(self.status) == "ALREADY_HIGHEST_BIDDER");
  // ...and above it only raises the hidden maximum: the price does not move.
  auto raise = c.Bid(a_token, id, 3500);
  REQUIRE(raise.status.ok());
  CHECK(raise.response.auction().current_bid().amount_minor() == 1550);
  CHECK(raise.response.bid().id().empty());

  // B's 40.00 beats A's 35.00: B leads at 35.00 + 1.00 (the "below 100.00" band), A's proxy
  // bid 35.00 on the way.
  auto b2 = c.Bid(b_token, id, 4000, "b-final");
  REQUIRE(b2.status.ok());
  CHECK(b2.response.auction().leading_bidder_id() == "usr_b");
  CHECK(b2.response.auction().current_bid().amount_minor() == 3600);
  CHECK(b2.response.auction().bid_count() == 5);

  // A retry of B's bid is the same bid, not a second one.
  auto again = c.Bid(b_token, id, 4000, "b-final");
  REQUIRE(again.status.ok());
  CHECK(again.response.bid().id() == b2.response.bid().id());
  CHECK(c.Get(id).bid_count() == 5);

  // A lost the lead to B's bid: one OUTBID for A, governed by their "outbid" preference,
  // committed with the bid (the retry added none). Nobody was told of the bids that left the
  // leader in place (B's 15.00, answered by A's proxy) or of the first bid.
  std::vector<AppFixture::OutboxNotification> outbid = f.NotificationsOf("usr_a", "outbid");
  REQUIRE(outbid.size() == 1);
  CHECK(outbid[0].destination == "realtime_push");
  CHECK(outbid[0].request.preference() == "outbid");
  CHECK(outbid[0].request.user_ids_size() == 1);
  const realtime_push::v1::Notification& note = outbid[0].request.notification();
  CHECK(note.kind() == realtime_push::v1::NOTIFICATION_KIND_OUTBID);
  CHECK(note.title() == "Outbid: " + product.title());
  CHECK(note.body().find("36.00 ") != std::string::npos);
  CHECK(note.auction_id() == id);
  CHECK(note.product_id() == product.id());
  CHECK(note.link() == "/live/" + c.stream());
  CHECK(f.NotificationsOf("usr_b", "outbid").empty());

  std::vector<pb::Bid> bids = c.AllBids(id, 2);
  REQUIRE(bids.size() == 5);
  const std::vector<std::pair<std::string, int64_t>> expected = {
      {"usr_b", 3600}, {"usr_a", 3500}, {"usr_a", 1550}, {"usr_b", 1500}, {"usr_a", 1000}};
  for (size_t i = 0; i < bids.size(); ++i) {
    CHECK(bids[i].bidder_id() == expected[i].first);
    CHECK(bids[i].amount().amount_minor() == expected[i].second);
    CHECK_FALSE(bids[i].extended_auction());
  }

  // The room saw the start and each bid that showed something, in order, versions rising.
  std::vector<std::string> types = RoomEventTypes(f, c.stream());
  CHECK(types == std::vector<std::string>{"auction_started", "auction_bid_placed",
                                          "auction_bid_placed", "auction_bid_placed"});
  std::vector<realtime_push::v1::RoomEvent> events = RoomEvents(f, c.stream());
  int64_t version = 0;
  for (const auto& e : events) {
    const auto& state =
        e.has_auction_started() ? e.auction_started().auction() : e.auction_bid_placed().auction();
    CHECK(state.auction_id() == id);
    CHECK(state.version() > version);
    version = state.version();
  }
  CHECK(events.back().auction_bid_placed().auction().leader().user_id() == "usr_b");
  CHECK(events.back().auction_bid_placed().amount().amount_minor() == 3600);

  // Closing now sells to B at the current price.
  auto closed = c.Close(c.host(), id, /*cancel=*/false);
  REQUIRE(closed.status.ok());
  CHECK(closed.response.auction().outcome() == pb::AUCTION_OUTCOME_SOLD);
  CHECK(closed.response.auction().winner_id() == "usr_b");
  CHECK(closed.response.auction().winning_amount().amount_minor() == 3600);
  // A retry of the close is answered with the same state.
  auto reclosed = c.Close(c.host(), id, /*cancel=*/false);
  REQUIRE(reclosed.status.ok());
  CHECK(reclosed.response.auction().version() == closed.response.auction().version());
  CHECK(RoomEventTypes(f, c.stream()).back() == "auction_closed");
  CHECK(RoomEvents(f, c.stream()).back().auction_closed().result() ==
        realtime_push::v1::AUCTION_RESULT_SOLD);
}

TEST_CASE("auctions: the reserve stays the seller's secret while reaching it is public") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  pb::Product product =
      c.Product([](pb::AuctionSettings& s) { *s.mutable_reserve_price() = Money(2000); });
  pb::Auction a = c.Start(product.id(), 600);
  CHECK(a.settings().reserve_price().amount_minor() == 2000);  // the seller's own answer
  CHECK_FALSE(c.Get(a.id()).settings().has_reserve_price());
  CHECK_FALSE(c.Get(a.id()).reserve_met());
  CHECK(c.Get(a.id(), c.host()).settings().reserve_price().amount_minor() == 2000);
  auto bid = c.Bid(f.TokenFor("usr_a", "viewer"), a.id(), 1200);
  REQUIRE(bid.status.ok());
  CHECK_FALSE(bid.response.auction().settings().has_reserve_price());
  // Closed below the reserve: no sale.
  auto closed = c.Close(c.host(), a.id(), false);
  REQUIRE(closed.status.ok());
  CHECK(closed.response.auction().outcome() == pb::AUCTION_OUTCOME_RESERVE_NOT_MET);
  CHECK(closed.response.auction().winner_id().empty());
}

TEST_CASE("auctions: the seller cannot bid on their own lot") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  pb::Auction a = c.Start(c.Product().id(), 600);
  const std::string before = c.Fingerprint();
  auto r = c.Bid(c.host(), a.id(), 1000);
  CHECK(r.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ReasonOf(r.status) == "SELLER_CANNOT_BID");
  auto buy = c.BuyNow(c.host(), a.id(), 5000);
  CHECK(ReasonOf(buy.status) == "SELLER_CANNOT_BID");
  CHECK(c.Fingerprint() == before);
}

TEST_CASE("auctions: a bid near the end extends it but not in sudden death") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  const std::string a_token = f.TokenFor("usr_a", "viewer");

  // Ten seconds long with the default 15 s window: any bid is inside it.
  pb::Auction sniped = c.Start(c.Product().id(), 10);
  auto bid = c.Bid(a_token, sniped.id(), 1000);
  REQUIRE(bid.status.ok());
  const pb::Auction& after = bid.response.auction();
  CHECK(after.extension_count() == 1);
  CHECK(after.ends_at().seconds() > after.original_ends_at().seconds());
  // The end is 15 s after the bid.
  CHECK(after.ends_at().seconds() - bid.response.bid().placed_at().seconds() >= 14);
  CHECK(bid.response.bid().extended_auction());
  CHECK(c.AllBids(sniped.id())[0].extended_auction());
  std::vector<std::string> types = RoomEventTypes(f, c.stream());
  CHECK(types ==
        std::vector<std::string>{"auction_started", "auction_bid_placed", "auction_extended"});
  CHECK(RoomEvents(f, c.stream()).back().auction_extended().extended_by().seconds() > 0);

  pb::Auction sudden = c.Start(
      c.Product([](pb::AuctionSettings& s) { s.mutable_anti_snipe_window()->set_seconds(0); }).id(),
      10);
  auto bid2 = c.Bid(a_token, sudden.id(), 1000);
  REQUIRE(bid2.status.ok());
  CHECK(bid2.response.auction().extension_count() == 0);
  CHECK(bid2.response.auction().ends_at().seconds() ==
        bid2.response.auction().original_ends_at().seconds());
  CHECK_FALSE(bid2.response.bid().extended_auction());
  CHECK(RoomEventTypes(f, c.stream()).back() == "auction_bid_placed");
}

TEST_CASE("auctions: buy-now ends the auction for the buyer at the buy-now price") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  const std::string a_token = f.TokenFor("usr_a", "viewer");
  const std::string b_token = f.TokenFor("usr_b", "viewer");
  pb::Auction a = c.Start(c.Product().id(), 600);
  REQUIRE(c.Bid(a_token, a.id(), 2000).status.ok());

  auto changed = c.BuyNow(b_token, a.id(), 4000);
  CHECK(changed.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(changed.status) == "PRICE_CHANGED");

  auto bought = c.BuyNow(b_token, a.id(), 5000);
  REQUIRE(bought.status.ok());
  const pb::Auction& closed = bought.response.auction();
  CHECK(closed.status() == pb::AUCTION_STATUS_CLOSED);
  CHECK(closed.outcome() == pb::AUCTION_OUTCOME_BOUGHT_NOW);
  CHECK(closed.winner_id() == "usr_b");
  CHECK(closed.winning_amount().amount_minor() == 5000);
  CHECK_FALSE(closed.buy_now_available());
  // The buyer holds the lot at the buy-now price (the stock area's hold, in the close).
  REQUIRE(bought.response.has_reservation());
  const pb::Reservation& hold = bought.response.reservation();
  CHECK(hold.id() == closed.winner_reservation_id());
  CHECK(hold.buyer_id() == "usr_b");
  CHECK(hold.source() == pb::RESERVATION_SOURCE_BUY_NOW);
  CHECK(hold.auction_id() == a.id());
  CHECK(hold.unit_price().amount_minor() == 5000);
  CHECK(hold.status() == pb::RESERVATION_STATUS_HELD);

  auto late = c.Bid(a_token, a.id(), 6000);
  CHECK(ReasonOf(late.status) == "AUCTION_NOT_OPEN");
  auto second = c.BuyNow(a_token, a.id(), 5000);
  CHECK(ReasonOf(second.status) == "AUCTION_NOT_OPEN");
  std::vector<realtime_push::v1::RoomEvent> events = RoomEvents(f, c.stream());
  REQUIRE(events.back().has_auction_closed());
  CHECK(events.back().auction_closed().result() == realtime_push::v1::AUCTION_RESULT_BOUGHT_NOW);
  CHECK(events.back().auction_closed().winner().user_id() == "usr_b");
  CHECK_FALSE(events.back().auction_closed().auction().open());
  // The buyer is at checkout already: no "you won" notice.
  CHECK(f.NotificationsOf("usr_b", "auction_won").empty());
}

TEST_CASE("auctions: one open auction per product and the stream lists its auctions newest first") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  pb::Product p1 = c.Product();
  pb::Product p2 = c.Product();
  pb::Auction first = c.Start(p1.id(), 600);
  // A retry of the start returns the same auction.
  auto retry = c.TryStart(c.host(), p2.id(), 600, "same-key");
  REQUIRE(retry.status.ok());
  auto retry2 = c.TryStart(c.host(), p2.id(), 600, "same-key");
  REQUIRE(retry2.status.ok());
  CHECK(retry2.response.auction().id() == retry.response.auction().id());
  auto twice = c.TryStart(c.host(), p1.id(), 600);
  CHECK(ReasonOf(twice.status) == "AUCTION_ALREADY_OPEN");
  // Once closed, the product may be auctioned again.
  REQUIRE(c.Close(c.host(), first.id(), /*cancel=*/true).status.ok());
  pb::Auction third = c.Start(p1.id(), 600);

  pb::ListAuctionsRequest req;
  req.set_stream_id(c.stream());
  req.mutable_page()->set_page_size(2);
  auto page1 = c.Call(&Stub::ListAuctions, "", req);
  REQUIRE(page1.status.ok());
  REQUIRE(page1.response.auctions_size() == 2);
  CHECK(page1.response.auctions(0).id() == third.id());
  REQUIRE_FALSE(page1.response.page().next_page_token().empty());
  req.mutable_page()->set_page_token(page1.response.page().next_page_token());
  auto page2 = c.Call(&Stub::ListAuctions, "", req);
  REQUIRE(page2.status.ok());
  REQUIRE(page2.response.auctions_size() == 1);
  CHECK(page2.response.auctions(0).id() == first.id());
  CHECK(page2.response.auctions(0).outcome() == pb::AUCTION_OUTCOME_CANCELLED);

  pb::ListAuctionsRequest open;
  open.set_stream_id(c.stream());
  open.set_status(pb::AUCTION_STATUS_OPEN);
  auto opened = c.Call(&Stub::ListAuctions, "", open);
  REQUIRE(opened.status.ok());
  CHECK(opened.response.auctions_size() == 2);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
