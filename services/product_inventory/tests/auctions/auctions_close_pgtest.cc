// Auctions close on time by themselves: the closer of some replica, no CloseAuction call; across
// a restart of the only replica; and exactly once when two replicas' closers race for them.

#include <algorithm>
#include <catch2/catch.hpp>

#include "auction_client.h"
#include "common/pg_time.h"
#include "shopcast/testing/wait.h"

namespace shopcast::product_inventory::testing {
namespace {

// Sudden death, so a bid does not move the ten-second end.
pb::Product SuddenDeath(Auctions& c) {
  return c.Product([](pb::AuctionSettings& s) { s.mutable_anti_snipe_window()->set_seconds(0); });
}

bool Closed(Auctions& c, const std::string& id) {
  return c.Get(id).status() == pb::AUCTION_STATUS_CLOSED;
}

TEST_CASE("auctions: an auction closes by itself at its end, sold to the leader") {
  AppFixture f;
  Auctions c(f, f.AddReplica());
  pb::Auction sold = c.Start(SuddenDeath(c).id(), 10);
  pb::Auction unsold = c.Start(SuddenDeath(c).id(), 10);
  REQUIRE(c.Bid(f.TokenFor("usr_a", "viewer"), sold.id(), 1500).status.ok());

  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return Closed(c, sold.id()) && Closed(c, unsold.id()); }, absl::Seconds(40)));
  pb::Auction a = c.Get(sold.id());
  CHECK(a.outcome() == pb::AUCTION_OUTCOME_SOLD);
  CHECK(a.winner_id() == "usr_a");
  // The first bid leads at the starting bid.
  CHECK(a.winning_amount().amount_minor() == 1000);
  CHECK(FromProto(a.closed_at()) >= FromProto(a.ends_at()));
  CHECK(c.Get(unsold.id()).outcome() == pb::AUCTION_OUTCOME_NO_BIDS);
  // Too late now.
  auto late = c.Bid(f.TokenFor("usr_b", "viewer"), sold.id(), 5000);
  CHECK(ReasonOf(late.status) == "AUCTION_NOT_OPEN");
  std::vector<std::string> types = RoomEventTypes(f, c.stream());
  CHECK(std::count(types.begin(), types.end(), "auction_closed") == 2);
}

TEST_CASE("auctions: an auction closes on time across a restart of the only replica") {
  AppFixture f;
  Replica& first = f.AddReplica();
  Auctions c(f, first);
  pb::Auction a = c.Start(SuddenDeath(c).id(), 10);
  REQUIRE(c.Bid(f.TokenFor("usr_a", "viewer"), a.id(), 1200).status.ok());
  // The replica goes away well before the end; nothing in memory survives it.
  first.app().Stop();
  CHECK(f.Count("SELECT count(*) FROM auctions WHERE status = 1") == 1);

  f.AddReplica();
  const std::string where = "FROM auctions WHERE id = '" + a.id() + "'";
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return f.Count("SELECT status " + where) == pb::AUCTION_STATUS_CLOSED; },
      absl::Seconds(40)));
  CHECK(f.Count("SELECT outcome " + where) == pb::AUCTION_OUTCOME_SOLD);
  CHECK(f.Count("SELECT count(*) " + where + " AND winner_id = 'usr_a'") == 1);
  CHECK(f.Count("SELECT count(*) " + where + " AND closed_at >= ends_at") == 1);
  CHECK(RoomEventTypes(f, c.stream()).back() == "auction_closed");
  // The new replica's close gave the winner the hold, at the winning (starting) price.
  CHECK(f.Count("SELECT count(*) FROM holds h JOIN auctions a ON a.winner_reservation_id = h.id"
                " WHERE a.id = '" +
                a.id() +
                "' AND h.buyer_id = 'usr_a' AND h.source = 3"
                " AND h.source_ref = a.id AND h.state = 'active' AND h.unit_price_minor = 1000") ==
        1);
}

TEST_CASE("auctions: two replicas' closers close each auction exactly once") {
  AppFixture f;
  auto fast = [](Config& config) { config.auction_close_interval = absl::Milliseconds(10); };
  Replica& r1 = f.AddReplica(fast);
  Replica& r2 = f.AddReplica(fast);
  Auctions c(f, r1);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(c.Start(SuddenDeath(c).id(), 10).id());
  REQUIRE(c.Bid(f.TokenFor("usr_a", "viewer"), ids[0], 1000).status.ok());

  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return f.Count("SELECT count(*) FROM auctions WHERE status = 1") == 0; },
      absl::Seconds(40)));
  // Both closers stop (joining any round still in flight), so a second close, had one been
  // under way, has committed by now.
  r1.app().Stop();
  r2.app().Stop();
  std::vector<realtime_push::v1::RoomEvent> events = RoomEvents(f, c.stream());
  for (const std::string& id : ids) {
    int closes = 0;
    for (const auto& e : events) {
      if (e.has_auction_closed() && e.auction_closed().auction().auction_id() == id) ++closes;
    }
    CHECK(closes == 1);
  }
  CHECK(f.Count("SELECT count(*) FROM auctions WHERE outcome = 1 AND winner_id = 'usr_a'") == 1);
  CHECK(f.Count("SELECT count(*) FROM auctions WHERE outcome = 3") == 3);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
