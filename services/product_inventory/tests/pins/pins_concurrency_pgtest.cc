// Pins under concurrency on two replicas: many hosts' calls at once never pin past the limit,
// the stored list stays dense and ordered, and the room events tell the same story in the same
// order as the commits.

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "pins_client.h"

namespace shopcast::product_inventory::testing {
namespace {

constexpr int kCalls = 20;
constexpr size_t kMaxPins = 3;

// The stored pins of the stream: dense positions 0..n-1, one product each.
void CheckStored(AppFixture& f, Pins& p) {
  const std::string where = " FROM pins WHERE stream_id = '" + p.stream() + "'";
  const int64_t n = f.Count("SELECT count(*)" + where);
  CHECK(n <= static_cast<int64_t>(kMaxPins));
  CHECK(f.Count("SELECT count(DISTINCT position)" + where) == n);
  if (n > 0) CHECK(f.Count("SELECT max(position)" + where) == n - 1);
}

TEST_CASE("pins: 20 concurrent pins on two replicas pin exactly the limit") {
  AppFixture f;
  Replica& one = f.AddReplica();
  Replica& two = f.AddReplica();
  Pins p1(f, one);
  Pins p2(p1, two);
  Ids products;
  for (int i = 0; i < kCalls; ++i) products.push_back(p1.Product("k" + std::to_string(i)));

  std::atomic<int> ok{0}, limit{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      Pins& via = i % 2 == 0 ? p1 : p2;
      auto r = via.Pin(p1.c().host(), p1.stream(), products[i], i % kMaxPins);
      if (r.status.ok()) {
        ++ok;
      } else if (r.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
                 ReasonOf(r.status) == "PIN_LIMIT_REACHED") {
        ++limit;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(other.load() == 0);
  CHECK(ok.load() == static_cast<int>(kMaxPins));
  CHECK(limit.load() == kCalls - static_cast<int>(kMaxPins));
  CheckStored(f, p1);

  const Ids listed = p1.Pinned();
  CHECK(listed.size() == kMaxPins);
  CHECK(p2.Pinned(p1.stream()) == listed);
  // One event per successful pin, growing by one each time; the last is what is stored.
  std::vector<PinsEvent> events = p1.Events();
  REQUIRE(events.size() == kMaxPins);
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].pinned.size() == i + 1);
    CHECK(events[i].pinned_now);
  }
  CHECK(events.back().pinned == listed);
}

TEST_CASE("pins: concurrent pins, moves and unpins on two replicas keep list and events in step") {
  AppFixture f;
  Replica& one = f.AddReplica();
  Replica& two = f.AddReplica();
  Pins p1(f, one);
  Pins p2(p1, two);
  Ids products;
  for (int i = 0; i < 8; ++i) products.push_back(p1.Product("k" + std::to_string(i)));

  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      Pins& via = i % 2 == 0 ? p1 : p2;
      const std::string& product = products[i % products.size()];
      grpc::Status s = i % 3 == 2
                           ? via.Unpin(p1.c().host(), p1.stream(), product).status
                           : via.Pin(p1.c().host(), p1.stream(), product, i % kMaxPins).status;
      if (!s.ok() && ReasonOf(s) != "PIN_LIMIT_REACHED") ++unexpected;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(unexpected.load() == 0);
  CheckStored(f, p1);

  const Ids listed = p1.Pinned();
  std::vector<PinsEvent> events = p1.Events();
  REQUIRE_FALSE(events.empty());
  // Each event is one change from the one before: never over the limit, never a duplicate.
  size_t previous = 0;
  for (const PinsEvent& e : events) {
    CHECK(e.pinned.size() <= kMaxPins);
    CHECK(std::set<std::string>(e.pinned.begin(), e.pinned.end()).size() == e.pinned.size());
    const long long step =
        static_cast<long long>(e.pinned.size()) - static_cast<long long>(previous);
    CHECK((e.pinned_now ? (step == 1 || step == 0) : step == -1));
    previous = e.pinned.size();
  }
  CHECK(events.back().pinned == listed);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
