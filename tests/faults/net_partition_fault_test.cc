// A network partition between two pairs of services of the whole suite, under load, healed
// after a delay: order ⇎ product-inventory (order's Reserve/Commit calls) and product-inventory's
// outbox relay ⇎ realtime-push, each through a TCP proxy the test controls (the suite binds
// 127.0.0.1; the proxy black-holes every connection — a dropped link — then resets them all — a
// refusing host — then heals). Buyers keep reserving and checking out throughout, retrying a
// retryable answer with the same key as the contract says. During the partition checkout gets a
// clear retryable error (UNAVAILABLE with its reason) and the room events pile up in
// product-inventory's outbox; after healing everything converges: the outbox drains, every hold
// is committed or released, nothing is oversold or charged twice, no acknowledged order is lost
// and every event reaches the room once (net_world.h lists the checks).

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <memory>

#include "absl/time/clock.h"
#include "net_proxy.h"
#include "net_world.h"
#include "shopcast/testing/wait.h"

namespace shopcast::faults {
namespace {

TEST_CASE("a partition between services heals and the suite converges", "[faults]") {
  const bool long_run = LongRun();
  // Keyed by "<service>-><peer>@<address>": both of a peer's listeners may be routed; only the
  // internal one is named in the service's settings.
  std::map<std::string, std::unique_ptr<NetProxy>> proxies;
  auto proxy_of = [&](const std::string& service, const std::string& peer) {
    std::vector<NetProxy*> out;
    for (auto& [key, p] : proxies) {
      if (key.rfind(service + "->" + peer + "@", 0) == 0) out.push_back(p.get());
    }
    return out;
  };
  suite::SuiteOptions options;
  options.gateway = false;
  options.peer_address = [&](const std::string& service, const std::string& peer,
                             const std::string& address) -> std::string {
    const bool cut = (service == "order" && peer == "product-inventory") ||
                     (service == "product-inventory" && peer == "realtime-push");
    if (!cut) return "";
    auto& p = proxies[service + "->" + peer + "@" + address];
    if (!p) p = std::make_unique<NetProxy>(address);
    return p->address();
  };
  suite::Suite suite(options);
  Show show(suite, /*buyers=*/4, /*products=*/2, /*units=*/100000);
  auto partitioned = [&] {
    std::vector<NetProxy*> all = proxy_of("order", "product-inventory");
    for (NetProxy* p : proxy_of("product-inventory", "realtime-push")) all.push_back(p);
    return all;
  }();
  REQUIRE(partitioned.size() == 4);

  show.StartBuying(3);
  const bool warmed =
      shopcast::testing::WaitUntil([&] { return show.confirmed() >= 5; }, absl::Seconds(30));
  INFO("errors: " << show.ErrorText());
  REQUIRE(warmed);

  // The partition: a dropped link first (calls hang until their deadline), then a refusing
  // host (connections reset).
  const int confirmed_before = show.confirmed();
  const int retryable_before = show.retryable_errors();
  for (NetProxy* p : partitioned) p->set_mode(NetProxy::Mode::kBlackhole);
  const absl::Time cut_at = absl::Now();
  // Checkout answers retryably; room events wait in product-inventory's outbox, and its relay's
  // pending gauge says so.
  CHECK(shopcast::testing::WaitUntil([&] { return show.retryable_errors() > retryable_before; },
                                     absl::Seconds(40)));
  CHECK(shopcast::testing::WaitUntil([&] { return show.PendingToPush("product-inventory") > 0; },
                                     absl::Seconds(20)));
  const int pi_metrics = suite.endpoints("product-inventory").metrics;
  double pending_metric = 0;
  CHECK(shopcast::testing::WaitUntil(
      [&] {
        pending_metric =
            Metric(pi_metrics, "shopcast_outbox_pending", "destination=\"realtime_push\"");
        return pending_metric > 0;
      },
      absl::Seconds(30)));
  const absl::Duration blackhole = long_run ? absl::Seconds(30) : absl::Seconds(4);
  absl::SleepFor(std::max(absl::ZeroDuration(), cut_at + blackhole - absl::Now()));
  for (NetProxy* p : partitioned) p->set_mode(NetProxy::Mode::kReset);
  const int retryable_at_reset = show.retryable_errors();
  CHECK(shopcast::testing::WaitUntil([&] { return show.retryable_errors() > retryable_at_reset; },
                                     absl::Seconds(20)));
  absl::SleepFor(long_run ? absl::Seconds(20) : absl::Seconds(2));
  const int confirmed_during = show.confirmed() - confirmed_before;
  const int pending_at_heal = show.PendingToPush("product-inventory");

  // Healed: checkouts complete again (the retried ones with their first key).
  for (NetProxy* p : partitioned) p->set_mode(NetProxy::Mode::kForward);
  const int confirmed_at_heal = show.confirmed();
  REQUIRE(shopcast::testing::WaitUntil([&] { return show.confirmed() >= confirmed_at_heal + 5; },
                                       absl::Seconds(40)));
  if (long_run) absl::SleepFor(absl::Seconds(20));

  int cut = 0, accepted = 0;
  for (NetProxy* p : partitioned) {
    cut += p->cut();
    accepted += p->accepted();
  }
  std::printf(
      "[fault partition] cut_connections=%d accepted_connections=%d "
      "confirmed_during_partition=%d pi_outbox_pending_at_heal=%d "
      "pending_metric_seen=%.0f\n",
      cut, accepted, confirmed_during, pending_at_heal, pending_metric);
  show.SettleAndCheck("partition", absl::Seconds(60));
  CHECK(show.unexplained_errors() == 0);
  INFO("errors: " << show.ErrorText());
  CHECK(show.other_errors() == 0);
  CHECK(cut > 0);
}

}  // namespace
}  // namespace shopcast::faults
