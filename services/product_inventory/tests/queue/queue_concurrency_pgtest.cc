// The queue under load: hundreds of concurrent Enqueues on two replicas are offered strictly in
// ticket order, each unit once; then a concurrent mix of claims, leaves, commits and releases
// keeps the invariant, the order and the one-live-ticket rule.

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "queue/queue_client.h"

namespace shopcast::product_inventory::testing {
namespace {

struct Row {
  std::string id;
  std::string user;
  int64_t sequence = 0;
  std::string status;
  int64_t offered_us = 0;  // 0: never offered.
  std::string cancel_reason;
};

std::vector<Row> Tickets(AppFixture& f, const std::string& product) {
  pqxx::connection c(f.dsn());
  pqxx::work tx(c);
  std::vector<Row> out;
  for (const auto& r :
       tx.exec_params("SELECT id, user_id, sequence, status, "
                      "coalesce((extract(epoch FROM offered_at) * 1000000)::bigint, 0), "
                      "coalesce(cancel_reason, '') FROM queue_tickets WHERE product_id = $1 "
                      "ORDER BY sequence",
                      product)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int64_t>(),
                   r[3].as<std::string>(), r[4].as<int64_t>(), r[5].as<std::string>()});
  }
  return out;
}

// Strict FIFO over the whole run: along the line, offers were made in non-decreasing time, and
// no ticket still waiting (or cancelled for want of stock) is ahead of one that was offered.
bool Fifo(const std::vector<Row>& rows) {
  int64_t last_offer_time = 0;
  int64_t last_offered_sequence = 0;
  int64_t first_passed_over = INT64_MAX;
  for (const Row& r : rows) {  // In sequence order.
    if (r.offered_us != 0) {
      if (r.offered_us < last_offer_time) return false;
      last_offer_time = r.offered_us;
      last_offered_sequence = r.sequence;
    } else if (r.status == "waiting" || r.cancel_reason == "SOLD_OUT") {
      first_passed_over = std::min(first_passed_over, r.sequence);
    }
  }
  return last_offered_sequence < first_passed_over;
}

TEST_CASE("queue concurrency: hundreds of Enqueues on two replicas are offered in ticket order") {
  AppFixture f;
  Replica& one = QueueReplica(f);
  Replica& two = QueueReplica(f);
  QueueWorld w(f, one);
  auto order = InternalStub(f, one);
  constexpr int kUnits = 20;
  constexpr int kBuyers = 300;
  constexpr int kThreads = 12;
  pb::Product p = w.Product(kUnits, "p1");
  // Every unit held first, so the line forms before anything is offered.
  const std::string big = f.TokenFor("usr_big", "viewer");
  auto all = w.Reserve(big, p.id(), kUnits, "k");
  REQUIRE(all.status.ok());
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true, 60).status.ok());

  std::vector<std::string> tokens;
  for (int i = 0; i < kBuyers; ++i)
    tokens.push_back(f.TokenFor("usr_b" + std::to_string(i), "viewer"));
  std::vector<std::string> ticket_of(kBuyers);
  std::atomic<int> failed{0};
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto stub = (t % 2 == 0 ? one : two).Stub();
        for (int i = t; i < kBuyers; i += kThreads) {
          auto r = w.Enqueue(tokens[i], p.id(), 1, stub.get());
          if (!r.status.ok()) {
            ++failed;
            continue;
          }
          ticket_of[i] = r.response.ticket().id();
          // A retry answers the same ticket.
          auto again = w.Enqueue(tokens[i], p.id(), 1, stub.get());
          if (!again.status.ok() || again.response.ticket().id() != ticket_of[i]) ++failed;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  REQUIRE(failed == 0);
  std::vector<Row> rows = Tickets(f, p.id());
  REQUIRE(rows.size() == kBuyers);
  for (size_t i = 0; i < rows.size(); ++i) CHECK(rows[i].sequence == static_cast<int64_t>(i + 1));
  CHECK(f.Count("SELECT waiting FROM product_queues WHERE product_id = '" + p.id() + "'") ==
        kBuyers);

  // The units come back: exactly the first 20 in line are offered, one unit each.
  pb::ReleaseReservationRequest release;
  release.set_reservation_id(all.response.reservation().id());
  REQUIRE(CallOn(w.stub(), &Stub::ReleaseReservation, big, release).status.ok());
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return f.Count("SELECT count(*) FROM queue_tickets WHERE status = 'offered'") == kUnits;
      },
      absl::Seconds(30)));
  rows = Tickets(f, p.id());
  for (int i = 0; i < kBuyers; ++i) {
    CHECK(rows[i].status == (i < kUnits ? "offered" : "waiting"));
  }
  CHECK(w.StockOf(p.id()).held() == kUnits);
  CHECK(w.StockOf(p.id()).available() == 0);
  CHECK(f.Count("SELECT count(*) FROM holds WHERE state = 'active' AND source = 2") == kUnits);

  // A concurrent mix over both replicas: offered holders claim (and half of those check out,
  // the other half release), or leave; waiting ones leave now and then; the advancer offers
  // every freed unit to the next in line meanwhile.
  std::map<std::string, std::string> token_of_user;
  for (int i = 0; i < kBuyers; ++i) token_of_user["usr_b" + std::to_string(i)] = tokens[i];
  std::atomic<int> claimed{0}, committed{0}, left{0};
  auto settled = [&] {
    return f.Count("SELECT count(*) FROM queue_tickets WHERE status IN ('waiting', 'offered')") ==
           0;
  };
  {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        auto stub = (t % 2 == 0 ? one : two).Stub();
        auto internal = InternalStub(f, t % 2 == 0 ? one : two);
        int round = 0;
        while (!stop) {
          ++round;
          for (const Row& r : Tickets(f, p.id())) {
            if (std::hash<std::string>{}(r.id) % 8 != static_cast<size_t>(t)) continue;
            const std::string& token = token_of_user[r.user];
            if (r.status == "offered") {
              if ((r.sequence + round) % 4 == 0) {
                if (w.Leave(token, r.id, stub.get()).status.ok()) ++left;
                continue;
              }
              auto c = w.Claim(token, r.id, stub.get());
              if (!c.status.ok()) continue;
              ++claimed;
              if (r.sequence % 2 == 0) {
                pb::CommitReservationRequest commit;
                commit.set_reservation_id(c.response.reservation().id());
                commit.set_order_id("ord_" + r.id);
                if (CallOn(*internal, &Internal::CommitReservation, std::string(), commit)
                        .status.ok()) {
                  ++committed;
                }
              } else {
                pb::ReleaseReservationRequest rel;
                rel.set_reservation_id(c.response.reservation().id());
                CallOn(*stub, &Stub::ReleaseReservation, token, rel);
              }
            } else if (r.status == "waiting" && r.sequence % 17 == 0) {
              if (w.Leave(token, r.id, stub.get()).status.ok()) ++left;
            }
          }
        }
      });
    }
    // Units go round until all 20 are sold; then the rest of the line is cancelled (sold out).
    const bool done = shopcast::testing::WaitUntil(settled, absl::Seconds(90));
    stop = true;
    for (auto& t : threads) t.join();
    REQUIRE(done);
  }
  CHECK(committed == kUnits);
  CHECK(claimed >= committed);
  CHECK(left > 0);
  CHECK(committed > 0);
  CHECK(claimed > 0);
  rows = Tickets(f, p.id());
  CHECK(Fifo(rows));
  CHECK(std::count_if(rows.begin(), rows.end(),
                      [](const Row& r) { return r.cancel_reason == "SOLD_OUT"; }) > 0);
  CHECK(w.InvariantHolds(p.id()));
  const pb::Stock s = w.StockOf(p.id());
  CHECK(s.available() + s.held() + s.sold() == s.total());
  CHECK(s.sold() == kUnits);
  CHECK(s.available() == 0);
  // Never two live tickets for one buyer, never a unit offered twice.
  CHECK(f.Count("SELECT count(*) FROM (SELECT user_id FROM queue_tickets WHERE status IN "
                "('waiting', 'offered') GROUP BY user_id HAVING count(*) > 1) x") == 0);
  CHECK(f.Count("SELECT count(*) FROM (SELECT hold_id FROM queue_tickets WHERE hold_id IS NOT "
                "NULL GROUP BY hold_id HAVING count(*) > 1) x") == 0);
  CHECK(f.Count("SELECT count(*) FROM holds h JOIN queue_tickets t ON t.hold_id = h.id WHERE "
                "t.status = 'offered' AND h.state <> 'active'") == 0);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
