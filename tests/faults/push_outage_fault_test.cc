// A dead, then a slow realtime-push while orders and product changes flow. Dead: the process is
// stopped (SIGSTOP: it holds its connections and answers nothing, the worst kind of dead).
// Slow: product-inventory's and order's relays reach it through a TCP proxy that delays every
// chunk. Producers keep working — reserving, checking out and editing products neither fail nor
// wait on realtime-push — while their outboxes grow (the relay's shopcast_outbox_pending gauge
// shows it); once it is back (SIGCONT) and fast again the outboxes drain and every event reaches
// the room exactly once and in order: the room's sequence gapless, each event id once, a sale
// ticker per confirmed order, each product's stock revisions rising (net_world.h).

#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "net_proxy.h"
#include "net_world.h"
#include "shopcast/testing/wait.h"

namespace shopcast::faults {
namespace {

// Continues a stopped process however the test ends.
class Stopped {
 public:
  explicit Stopped(pid_t pid) : pid_(pid) { ::kill(pid_, SIGSTOP); }
  ~Stopped() { Continue(); }
  void Continue() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

TEST_CASE(
    "producers keep working while realtime-push is dead or slow, then every event arrives once",
    "[faults]") {
  const bool long_run = LongRun();
  std::map<std::string, std::unique_ptr<NetProxy>> proxies;
  suite::SuiteOptions options;
  options.gateway = false;
  options.peer_address = [&](const std::string& service, const std::string& peer,
                             const std::string& address) -> std::string {
    if (peer != "realtime-push" || (service != "product-inventory" && service != "order")) {
      return "";
    }
    auto& p = proxies[service + "@" + address];
    if (!p) p = std::make_unique<NetProxy>(address);
    return p->address();
  };
  suite::Suite suite(options);
  Show show(suite, /*buyers=*/4, /*products=*/2, /*units=*/100000);
  show.StartBuying(2);
  const bool warmed =
      shopcast::testing::WaitUntil([&] { return show.confirmed() >= 5; }, absl::Seconds(30));
  INFO("errors: " << show.ErrorText());
  REQUIRE(warmed);

  // Dead.
  const int pi_metrics = suite.endpoints("product-inventory").metrics;
  const int order_metrics = suite.endpoints("order").metrics;
  const pid_t push_pid = suite.PidOf("realtime-push");
  REQUIRE(push_pid > 0);
  int retitles = 0, retitle_failures = 0;
  auto retitle = [&] {
    const grpc::Status s = show.Retitle(retitles % 2, absl::StrCat("Mug edition ", retitles));
    ++retitles;
    if (!s.ok()) ++retitle_failures;
  };
  const int confirmed_before = show.confirmed();
  int pi_pending_peak = 0, order_pending_peak = 0;
  double pi_metric_peak = 0, order_metric_peak = 0;
  {
    Stopped stopped(push_pid);
    const absl::Time until = absl::Now() + (long_run ? absl::Seconds(60) : absl::Seconds(10));
    // The outboxes grow and the gauges say so (a relay round stuck on the dead peer ends at
    // its sink's deadline, then the gauges refresh).
    while (absl::Now() < until || (pi_metric_peak <= 0 || order_metric_peak <= 0) &&
                                      absl::Now() < until + absl::Seconds(30)) {
      retitle();
      pi_pending_peak = std::max(pi_pending_peak, show.PendingToPush("product-inventory"));
      order_pending_peak = std::max(order_pending_peak, show.PendingToPush("order"));
      pi_metric_peak = std::max(pi_metric_peak, Metric(pi_metrics, "shopcast_outbox_pending",
                                                       "destination=\"realtime_push\""));
      order_metric_peak = std::max(
          order_metric_peak,
          Metric(order_metrics, "shopcast_outbox_pending", "destination=\"realtime_push\""));
      absl::SleepFor(absl::Milliseconds(300));
    }
  }
  const int confirmed_while_dead = show.confirmed() - confirmed_before;
  const absl::Duration slowest_while_dead = show.slowest_call();
  CHECK(confirmed_while_dead >= 3);
  CHECK(retitle_failures == 0);
  // Nobody waited on the dead peer (calls finish in well under a relay's delivery deadline).
  CHECK(slowest_while_dead < absl::Seconds(5));
  CHECK(pi_pending_peak > 0);
  CHECK(order_pending_peak > 0);
  CHECK(pi_metric_peak > 0);
  CHECK(order_metric_peak > 0);

  // Slow: back, but every chunk to it from the relays delayed.
  for (auto& [key, p] : proxies) p->set_latency(absl::Milliseconds(150));
  const int confirmed_before_slow = show.confirmed();
  const absl::Time slow_until = absl::Now() + (long_run ? absl::Seconds(60) : absl::Seconds(6));
  while (absl::Now() < slow_until) {
    retitle();
    absl::SleepFor(absl::Milliseconds(300));
  }
  const int confirmed_while_slow = show.confirmed() - confirmed_before_slow;
  CHECK(confirmed_while_slow >= 3);
  CHECK(retitle_failures == 0);
  for (auto& [key, p] : proxies) p->set_latency(absl::ZeroDuration());

  std::printf(
      "[fault push-outage] confirmed_while_dead=%d confirmed_while_slow=%d retitles=%d "
      "slowest_call_while_dead_ms=%lld pi_outbox_peak=%d order_outbox_peak=%d "
      "pi_pending_metric_peak=%.0f order_pending_metric_peak=%.0f\n",
      confirmed_while_dead, confirmed_while_slow, retitles,
      static_cast<long long>(absl::ToInt64Milliseconds(slowest_while_dead)), pi_pending_peak,
      order_pending_peak, pi_metric_peak, order_metric_peak);
  show.SettleAndCheck("push-outage", absl::Seconds(60));
  INFO("errors: " << show.ErrorText());
  CHECK(show.other_errors() == 0);
  CHECK(show.retryable_errors() == 0);
}

}  // namespace
}  // namespace shopcast::faults
