// Lottery drops through whole App replicas over real PostgreSQL: hundreds of concurrent
// entries, the draw on time by the drawer, its audit recomputed from the recorded seed and
// entrants, the units set aside and given back with the invariant held throughout, coalesced
// entry-count room events.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "lottery_client.h"
#include "lottery_rules/draw.h"
#include "shopcast/testing/wait.h"

namespace shopcast::product_inventory::testing {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

std::string User(int i) { return "usr_e" + std::to_string(1000 + i); }

// Checks the drawn lottery's audit as an outsider would: SHA-256(seed) is the commitment
// published at start, the entrant list hashes to the recorded digest, and the public algorithm
// gives exactly the recorded winners.
void CheckAudit(const pb::Lottery& drawn, const std::string& commitment_at_start) {
  const pb::LotteryAudit& audit = drawn.audit();
  CHECK(audit.algorithm() == "shopcast-lottery-v1");
  CHECK(audit.commitment_hex() == commitment_at_start);
  auto seed = lottery_rules::FromHex(audit.seed_hex());
  REQUIRE(seed.ok());
  CHECK(lottery_rules::ToHex(lottery_rules::Sha256(*seed)) == commitment_at_start);
  std::vector<std::string> entrants(audit.entrant_ids().begin(), audit.entrant_ids().end());
  CHECK(static_cast<int64_t>(entrants.size()) == audit.entrant_count());
  CHECK(lottery_rules::ToHex(lottery_rules::EntrantsDigest(entrants)) ==
        audit.entrants_digest_hex());
  std::vector<std::string> winners(audit.winner_ids().begin(), audit.winner_ids().end());
  CHECK(lottery_rules::Verify(*seed, *lottery_rules::FromHex(commitment_at_start), entrants,
                              drawn.units(), winners)
            .ok());
}

TEST_CASE(
    "lottery: 300 concurrent entrants once each, drawn on time with an audit that recomputes") {
  AppFixture f;
  Replica& r = f.AddReplica();
  Lotteries w(f, r);
  const pb::Product product = w.StreamProduct(20);
  const pb::Lottery started = w.Start(product.id(), 5, 10);
  CHECK(started.status() == pb::LOTTERY_STATUS_OPEN);
  CHECK(started.commitment_hex().size() == 64);
  CHECK_FALSE(started.has_audit());
  // The five units left the sellable stock at once.
  pb::Stock stock = w.StockOf(product.id());
  CHECK(stock.total() == 15);
  CHECK(stock.available() == 15);
  CHECK(w.InvariantHolds(product.id()));

  // 300 users, each entering twice from two of 12 threads at once (12 channels).
  constexpr int kUsers = 300;
  constexpr int kThreads = 12;
  std::vector<std::string> tokens;
  for (int i = 0; i < kUsers; ++i) tokens.push_back(f.TokenFor(User(i), "viewer"));
  std::atomic<int> ok{0}, first{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = r.Stub();
      for (int i = t % (kThreads / 2); i < kUsers; i += kThreads / 2) {
        auto e = Lotteries::Enter(*stub, tokens[i], started.id());
        if (!e.status.ok()) {
          failed++;
          continue;
        }
        ok++;
        if (!e.response.already_entered()) first++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failed == 0);
  CHECK(ok == 2 * kUsers);
  CHECK(first == kUsers);
  CHECK(w.Get(started.id()).entrant_count() == kUsers);
  CHECK(f.Count("SELECT count(*) FROM lottery_entries") == kUsers);

  // Meanwhile the set-aside units cannot be bought: 15 can, the 16th finds nothing.
  REQUIRE(w.Reserve(f.TokenFor("usr_shopper", "viewer"), product.id(), 15, "all").status.ok());
  auto more = w.Reserve(f.TokenFor("usr_shopper2", "viewer"), product.id(), 1, "one");
  CHECK(ReasonOf(more.status) == "SOLD_OUT");
  CHECK(w.InvariantHolds(product.id()));

  // Nobody calls DrawLottery: the drawer draws at closes_at.
  REQUIRE(shopcast::testing::WaitUntil([&] { return w.Drawn(started.id()); }, absl::Seconds(40)));
  const pb::Lottery drawn = w.Get(started.id(), /*include_entrants=*/true);
  CHECK(drawn.entrant_count() == kUsers);
  REQUIRE(drawn.winners_size() == 5);
  std::set<std::string> winners;
  for (const auto& winner : drawn.winners()) winners.insert(winner.user_id());
  CHECK(winners.size() == 5);
  for (const auto& u : winners) CHECK(u.rfind("usr_e", 0) == 0);
  CHECK(FromProto(drawn.audit().drawn_at()) >= FromProto(drawn.closes_at()));
  CheckAudit(drawn, started.commitment_hex());
  // Entry order is the recorded order: the audit's list is the table's, sorted by seq.
  CHECK(drawn.audit().entrant_ids_size() == kUsers);

  // Each winner holds one unit (source LOTTERY) at the product's price, and can see it.
  for (const auto& winner : drawn.winners()) {
    REQUIRE_FALSE(winner.reservation_id().empty());
    const int i = std::stoi(winner.user_id().substr(5)) - 1000;
    pb::GetReservationRequest get;
    get.set_reservation_id(winner.reservation_id());
    auto res = CallOn(w.stub(), &Stub::GetReservation, tokens[i], get);
    REQUIRE(res.status.ok());
    const pb::Reservation& hold = res.response.reservation();
    CHECK(hold.buyer_id() == winner.user_id());
    CHECK(hold.source() == pb::RESERVATION_SOURCE_LOTTERY);
    CHECK(hold.status() == pb::RESERVATION_STATUS_HELD);
    CHECK(hold.quantity() == 1);
    CHECK(hold.unit_price().amount_minor() == product.price().amount_minor());
    CHECK(hold.unit_price().currency() == product.price().currency());
    CHECK(FromProto(hold.expires_at()) - FromProto(drawn.audit().drawn_at()) == absl::Minutes(30));
  }
  CHECK(f.Count("SELECT count(*) FROM holds WHERE source = 5 AND state = 'active'") == 5);
  // Each winner is told personally (committed with the draw), with the hold's deadline; the
  // entrants who lost are not.
  for (const auto& winner : drawn.winners()) {
    auto told = f.NotificationsOf(winner.user_id(), "lottery_won");
    REQUIRE(told.size() == 1);
    const rp::Notification& n = told[0].request.notification();
    CHECK(n.kind() == rp::NOTIFICATION_KIND_LOTTERY_WON);
    CHECK(n.title() == "You won: " + product.title());
    CHECK(n.product_id() == product.id());
    CHECK(n.link() == "/live/" + product.stream_id());
  }
  for (int i = 0; i < kUsers; ++i) {
    if (winners.count(User(i)) == 0) CHECK(f.NotificationsOf(User(i), "lottery_won").empty());
  }

  // The units are back in the total, the winners' held: 15 bought + 5 won, none left.
  stock = w.StockOf(product.id());
  CHECK(stock.total() == 20);
  CHECK(stock.held() == 20);
  CHECK(stock.available() == 0);
  CHECK(stock.available() + stock.held() + stock.sold() == stock.total());
  CHECK(w.InvariantHolds(product.id()));

  // Room: opened with the commitment, a few coalesced counts (never one per entrant) ending at
  // 300, drawn with the seed revealed.
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        auto events = w.RoomEvents();
        return !events.empty() && events.back().has_lottery_drawn();
      },
      absl::Seconds(20)));
  const std::vector<rp::RoomEvent> events = w.RoomEvents();
  REQUIRE(events.front().has_lottery_opened());
  CHECK(events.front().lottery_opened().lottery().commitment_hex() == started.commitment_hex());
  int64_t counts = 0, max_count = 0;
  for (const auto& e : events) {
    if (!e.has_lottery_entries()) continue;
    ++counts;
    max_count = std::max(max_count, e.lottery_entries().entrant_count());
  }
  CHECK(counts >= 1);
  CHECK(counts <= 40);
  CHECK(max_count == kUsers);
  const rp::LotteryDrawn& d = events.back().lottery_drawn();
  CHECK(d.winner_count() == 5);
  CHECK(d.seed_hex() == drawn.audit().seed_hex());
  CHECK(d.lottery().entrant_count() == kUsers);
  CHECK(d.winner_ids_size() == 5);

  // Entries after the window: refused, nothing changed.
  auto late = w.Enter(f.TokenFor("usr_late", "viewer"), started.id());
  CHECK(late.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(late.status) == "LOTTERY_CLOSED");
  CHECK(f.Count("SELECT count(*) FROM lottery_entries") == kUsers);
  // The host's DrawLottery on a drawn lottery answers it as drawn.
  auto again = w.Draw(w.c().host(), started.id());
  REQUIRE(again.status.ok());
  CHECK(again.response.lottery().audit().seed_hex() == drawn.audit().seed_hex());
}

TEST_CASE("lottery: drawn by the timer across a restart of the only replica") {
  AppFixture f;
  Replica& first = f.AddReplica();
  Lotteries w(f, first);
  const pb::Product product = w.StreamProduct(10);
  const pb::Lottery started = w.Start(product.id(), 4, 10);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(w.Enter(f.TokenFor(User(i), "viewer"), started.id()).status.ok());
  }
  // The replica goes away before the end; nothing in memory survives it.
  first.app().Stop();
  CHECK(f.Count("SELECT count(*) FROM lotteries WHERE status = 1") == 1);

  Replica& second = f.AddReplica();
  auto stub = second.Stub();
  const std::string where = "FROM lotteries WHERE id = '" + started.id() + "'";
  REQUIRE(shopcast::testing::WaitUntil([&] { return f.Count("SELECT status " + where) == 2; },
                                       absl::Seconds(40)));
  CHECK(f.Count("SELECT count(*) " + where + " AND drawn_at >= closes_at") == 1);
  const pb::Lottery drawn = Lotteries::Get(*stub, started.id(), true);
  // Fewer entrants than units: every entrant wins, the unwon unit goes back to available.
  CHECK(drawn.winners_size() == 3);
  CHECK(drawn.entrant_count() == 3);
  CheckAudit(drawn, started.commitment_hex());
  CHECK(f.Count("SELECT total FROM stock WHERE product_id = '" + product.id() + "'") == 10);
  CHECK(f.Count("SELECT held FROM stock WHERE product_id = '" + product.id() + "'") == 3);
  CHECK(f.Count("SELECT count(*) FROM holds WHERE source = 5 AND source_ref = '" + started.id() +
                "' AND unit_price_minor = 4500") == 3);
  CHECK(w.InvariantHolds(product.id()));
}

TEST_CASE("lottery: no entrants - nothing held, every unit back") {
  AppFixture f;
  Lotteries w(f, f.AddReplica());
  const pb::Product product = w.StreamProduct(8);
  const pb::Lottery started = w.Start(product.id(), 8, 10);
  CHECK(w.StockOf(product.id()).total() == 0);
  CHECK(w.StockOf(product.id()).available() == 0);
  REQUIRE(shopcast::testing::WaitUntil([&] { return w.Drawn(started.id()); }, absl::Seconds(40)));
  const pb::Lottery drawn = w.Get(started.id(), true);
  CHECK(drawn.winners_size() == 0);
  CHECK(drawn.entrant_count() == 0);
  CheckAudit(drawn, started.commitment_hex());
  const pb::Stock stock = w.StockOf(product.id());
  CHECK(stock.total() == 8);
  CHECK(stock.available() == 8);
  CHECK(stock.held() == 0);
  CHECK(f.Count("SELECT count(*) FROM holds") == 0);
  CHECK(w.InvariantHolds(product.id()));
  // The product is a lottery's no more: a new one may start.
  CHECK(w.TryStart(w.c().host(), w.StartRequest(product.id(), 2)).status.ok());
}

TEST_CASE("lottery: a scheduled lottery refuses entries before its window opens") {
  AppFixture f;
  Lotteries w(f, f.AddReplica());
  const pb::Product product = w.StreamProduct(5);
  pb::StartLotteryRequest req = w.StartRequest(product.id(), 1);
  ToProto(absl::Now() + absl::Hours(1), req.mutable_opens_at());
  auto started = w.TryStart(w.c().host(), req);
  REQUIRE(started.status.ok());
  CHECK(started.response.lottery().status() == pb::LOTTERY_STATUS_SCHEDULED);
  auto early = w.Enter(f.TokenFor("usr_early", "viewer"), started.response.lottery().id());
  CHECK(early.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(early.status) == "LOTTERY_NOT_OPEN_YET");
  CHECK(f.Count("SELECT count(*) FROM lottery_entries") == 0);
  // Its unit is set aside already.
  CHECK(w.StockOf(product.id()).available() == 4);
}

TEST_CASE("lottery: two replicas' drawers draw each lottery exactly once") {
  AppFixture f;
  auto fast = [](Config& config) { config.lottery_draw_interval = absl::Milliseconds(10); };
  Replica& r1 = f.AddReplica(fast);
  f.AddReplica(fast);
  Lotteries w(f, r1);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    const pb::Product p = w.StreamProduct(3);
    ids.push_back(w.Start(p.id(), 2, 10).id());
    REQUIRE(w.Enter(f.TokenFor(User(i), "viewer"), ids.back()).status.ok());
  }
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return f.Count("SELECT count(*) FROM lotteries WHERE status = 1") == 0; },
      absl::Seconds(40)));
  // One drawn event per lottery, one winner row each, every stock total whole again.
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        int drawn = 0;
        for (const auto& e : w.RoomEvents()) drawn += e.has_lottery_drawn() ? 1 : 0;
        return drawn >= 4;
      },
      absl::Seconds(20)));
  int drawn = 0;
  for (const auto& e : w.RoomEvents()) drawn += e.has_lottery_drawn() ? 1 : 0;
  CHECK(drawn == 4);
  CHECK(f.Count("SELECT count(*) FROM lottery_entries WHERE winner_rank IS NOT NULL") == 4);
  CHECK(f.Count("SELECT count(*) FROM holds WHERE source = 5") == 4);
  CHECK(f.Count("SELECT count(*) FROM stock WHERE total <> 3") == 0);
  CHECK(f.Count("SELECT coalesce(sum(version), 0) FROM lotteries") == 8);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
