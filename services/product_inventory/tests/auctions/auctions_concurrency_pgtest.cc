// Hundreds of concurrent PlaceBid calls from many buyers on one auction, through two replicas:
// every call is either applied or refused by the rules (never lost, never doubled), and the
// outcome is what the rules say whatever the order — the highest maximum wins, paying one
// increment above the best other bidder's maximum — with a gapless, never-falling bid history.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

#include "auction_client.h"
#include "auctions_rules/increment_table.h"

namespace shopcast::product_inventory::testing {
namespace {

TEST_CASE("auctions: hundreds of concurrent bids end as the rules say") {
  AppFixture f;
  Replica& r1 = f.AddReplica();
  Replica& r2 = f.AddReplica();
  Auctions c1(f, r1);
  Catalog c2(f, r2);
  // Ten minutes: the end is never near while the bids run.
  pb::Auction auction =
      c1.Start(c1.Product([](pb::AuctionSettings& s) { s.clear_buy_now_price(); }).id(), 600);

  // 240 bids from 30 buyers; the maximums are distinct multiples of 100.00, far more than any
  // increment (at most 50.00 up to 2400.00) apart, so the highest maximum is always accepted
  // whatever came before it, and so is the best maximum of everyone else.
  constexpr int kBids = 240;
  constexpr int kBuyers = 30;
  std::vector<int64_t> amounts(kBids);
  std::iota(amounts.begin(), amounts.end(), 1);
  std::mt19937 rng(20261203);
  std::shuffle(amounts.begin(), amounts.end(), rng);
  for (int64_t& a : amounts) a *= 10'000;
  std::vector<std::string> tokens;
  for (int b = 0; b < kBuyers; ++b) {
    tokens.push_back(f.TokenFor("usr_buyer" + std::to_string(b), "viewer"));
  }
  auto buyer_of = [](int i) { return "usr_buyer" + std::to_string(i % kBuyers); };

  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<pb::PlaceBidResponse> accepted;
  std::vector<std::string> unexpected;
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      Catalog& caller = t % 2 == 0 ? static_cast<Catalog&>(c1) : c2;
      for (int i = next++; i < kBids; i = next++) {
        pb::PlaceBidRequest req;
        req.set_auction_id(auction.id());
        *req.mutable_amount() = Money(amounts[i]);
        req.set_idempotency_key("bid-" + std::to_string(i));
        auto r = caller.Call(&Stub::PlaceBid, tokens[i % kBuyers], req);
        std::lock_guard<std::mutex> lock(mu);
        if (r.status.ok()) {
          accepted.push_back(r.response);
        } else if (ReasonOf(r.status) != "BID_TOO_LOW" &&
                   ReasonOf(r.status) != "ALREADY_HIGHEST_BIDDER") {
          unexpected.push_back(ReasonOf(r.status) + ": " + r.status.error_message());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(unexpected.empty());
  REQUIRE_FALSE(accepted.empty());

  // What the rules make of these maximums in any order.
  const int top =
      static_cast<int>(std::max_element(amounts.begin(), amounts.end()) - amounts.begin());
  const std::string winner = buyer_of(top);
  int64_t best_other = 0;
  for (int i = 0; i < kBids; ++i) {
    if (buyer_of(i) != winner) best_other = std::max(best_other, amounts[i]);
  }
  // One increment of the platform table (the auctions' own) above it.
  const int64_t expected_price =
      best_other + auctions_rules::IncrementTable::Default().IncrementAt(best_other);

  pb::Auction now = c1.Get(auction.id());
  CHECK(now.leading_bidder_id() == winner);
  CHECK(now.current_bid().amount_minor() == expected_price);

  // The history: as many visible bids as the auction counts, never falling, each accepted
  // caller's own visible bid in it exactly once.
  std::vector<pb::Bid> bids = c1.AllBids(auction.id(), 100);
  CHECK(static_cast<int>(bids.size()) == now.bid_count());
  CHECK(f.Count("SELECT count(*) FROM auction_bids WHERE auction_id = '" + auction.id() + "'") ==
        now.bid_count());
  CHECK(f.Count("SELECT max(seq) FROM auction_bids") == now.bid_count());
  for (size_t i = 1; i < bids.size(); ++i) {
    CHECK(bids[i - 1].amount().amount_minor() >= bids[i].amount().amount_minor());
  }
  REQUIRE_FALSE(bids.empty());
  CHECK(bids.front().bidder_id() == winner);
  CHECK(bids.front().amount().amount_minor() == expected_price);
  std::set<std::string> listed;
  for (const auto& b : bids) listed.insert(b.id());
  CHECK(listed.size() == bids.size());
  int with_record = 0;
  for (const auto& r : accepted) {
    if (r.bid().id().empty()) continue;  // a leader raising their own maximum shows nothing
    ++with_record;
    CHECK(listed.count(r.bid().id()) == 1);
  }
  // One room event per call that showed a bid, and the auction's version counts every change.
  std::vector<std::string> types = RoomEventTypes(f, c1.stream());
  CHECK(std::count(types.begin(), types.end(), "auction_bid_placed") == with_record);
  CHECK(now.version() == 1 + static_cast<int64_t>(accepted.size()));
  // The room's states arrive in version order.
  int64_t version = 0;
  for (const auto& e : RoomEvents(f, c1.stream())) {
    if (!e.has_auction_bid_placed()) continue;
    CHECK(e.auction_bid_placed().auction().version() > version);
    version = e.auction_bid_placed().auction().version();
  }

  // Closing it sells to the winner at that price.
  auto closed = c1.Close(c1.host(), auction.id(), /*cancel=*/false);
  REQUIRE(closed.status.ok());
  CHECK(closed.response.auction().outcome() == pb::AUCTION_OUTCOME_SOLD);
  CHECK(closed.response.auction().winner_id() == winner);
  CHECK(closed.response.auction().winning_amount().amount_minor() == expected_price);
  // Exactly one hold, the winner's, at that price; the stock's invariant holds.
  const std::string product = now.product_id();
  CHECK(f.Count("SELECT count(*) FROM holds WHERE product_id = '" + product + "'") == 1);
  CHECK(f.Count("SELECT count(*) FROM holds WHERE product_id = '" + product +
                "' AND state = 'active' AND source = 3 AND buyer_id = '" + winner +
                "' AND unit_price_minor = " + std::to_string(expected_price) +
                " AND source_ref = '" + auction.id() + "' AND id = '" +
                closed.response.auction().winner_reservation_id() + "'") == 1);
  CHECK(f.Count("SELECT count(*) FROM stock s WHERE s.product_id = '" + product +
                "' AND s.held = (SELECT coalesce(sum(quantity), 0) FROM holds h WHERE "
                "h.product_id = s.product_id AND h.state = 'active') AND s.held = 1 AND "
                "s.sold = 0 AND s.held + s.sold <= s.total") == 1);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
