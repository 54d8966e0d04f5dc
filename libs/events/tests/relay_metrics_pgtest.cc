// The relay's shopcast_outbox_* metrics against a real outbox.

#include <atomic>
#include <catch2/catch.hpp>
#include <pqxx/nontransaction>
#include <string>
#include <vector>

#include "fixture.h"
#include "prometheus/registry.h"
#include "shopcast/events/relay.h"
#include "shopcast/testing/wait.h"

namespace shopcast::events {
namespace {

using shopcast::testing::WaitUntil;
using testing::EventsDb;
using testing::FakeSink;

// The value of metric `name` for `destination`, or -1 if it isn't there.
double Value(prometheus::Registry& registry, const std::string& name,
             const std::string& destination) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "destination" && label.value == destination) {
          return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                : metric.gauge.value;
        }
      }
    }
  }
  return -1;
}

TEST_CASE("The relay's metrics show pending rows, their age, deliveries and failures") {
  EventsDb t;
  prometheus::Registry registry;
  std::atomic<bool> refuse{true};
  FakeSink peer;
  peer.script = [&](int, const std::vector<common::v1::Event>& events)
      -> absl::StatusOr<std::vector<std::string>> {
    if (refuse.load()) return absl::UnavailableError("peer is down");
    std::vector<std::string> ids;
    for (const auto& e : events) ids.push_back(e.id());
    return ids;
  };
  FakeSink other;
  RelayOptions opts;
  opts.poll_interval = absl::Milliseconds(20);
  opts.min_backoff = absl::Milliseconds(1);
  opts.max_backoff = absl::Milliseconds(5);
  opts.metrics = &registry;
  Relay relay(*t.pool, {{"peer", &peer}, {"other", &other}}, opts);
  // Registered before the first round, at zero.
  CHECK(Value(registry, "shopcast_outbox_pending", "peer") == 0);
  CHECK(Value(registry, "shopcast_outbox_deliveries_total", "other") == 0);

  for (int i = 0; i < 3; ++i) t.Commit("ord_" + std::to_string(i), "x", {"peer"});
  t.Commit("ord_9", "y", {"other"});
  {
    // Backdated, so the age gauge has something unmistakable to show.
    pqxx::connection conn(t.db.dsn());
    pqxx::nontransaction tx(conn);
    tx.exec0("UPDATE outbox SET created_at = now() - interval '1 hour'");
  }
  relay.Start();

  // The refused rows stay pending, and every refused attempt of every row counts.
  CHECK(WaitUntil(
      [&] {
        return Value(registry, "shopcast_outbox_delivery_failures_total", "peer") >= 6 &&
               Value(registry, "shopcast_outbox_pending", "peer") == 3;
      },
      absl::Seconds(30)));
  CHECK(Value(registry, "shopcast_outbox_oldest_pending_age_seconds", "peer") >= 3600);
  CHECK(Value(registry, "shopcast_outbox_deliveries_total", "peer") == 0);
  CHECK(WaitUntil(
      [&] {
        return Value(registry, "shopcast_outbox_deliveries_total", "other") == 1 &&
               Value(registry, "shopcast_outbox_pending", "other") == 0;
      },
      absl::Seconds(30)));
  CHECK(Value(registry, "shopcast_outbox_delivery_failures_total", "other") == 0);
  CHECK(Value(registry, "shopcast_outbox_oldest_pending_age_seconds", "other") == 0);

  refuse = false;
  CHECK(WaitUntil(
      [&] {
        return Value(registry, "shopcast_outbox_deliveries_total", "peer") == 3 &&
               Value(registry, "shopcast_outbox_pending", "peer") == 0 &&
               Value(registry, "shopcast_outbox_oldest_pending_age_seconds", "peer") == 0;
      },
      absl::Seconds(30)));
  relay.Stop();
}

TEST_CASE("Relays registering on one registry share their destinations' metrics") {
  EventsDb t;
  prometheus::Registry registry;
  FakeSink sink;
  RelayOptions opts;
  opts.metrics = &registry;
  Relay first(*t.pool, {{"peer", &sink}}, opts);
  Relay second(*t.pool, {{"peer", &sink}}, opts);
  t.Commit("ord_1", "x");
  t.Commit("ord_2", "y");
  REQUIRE(first.RunOnce().ok());
  t.Commit("ord_3", "z");
  REQUIRE(second.RunOnce().ok());
  CHECK(Value(registry, "shopcast_outbox_deliveries_total", "peer") == 3);
}

}  // namespace
}  // namespace shopcast::events
