// The host as operators see it: health for probes, /metrics for Prometheus, drain on shutdown.
#include "shopcast/server/host.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "shopcast/testing/net.h"

using shopcast::server::HostOptions;
using shopcast::server::ServiceHost;
using shopcast::testing::HealthStatus;

namespace {

HostOptions LocalOptions() {
  HostOptions o;
  o.service_name = "test";
  o.grpc_addr = "127.0.0.1:0";
  o.metrics_addr = "127.0.0.1:0";
  o.executor_threads = 2;
  o.readiness_interval = absl::Milliseconds(20);
  o.drain_timeout = absl::Seconds(2);
  return o;
}

// Polls `cond` for up to two seconds.
template <typename F>
bool Eventually(F cond) {
  for (int i = 0; i < 200; ++i) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("readiness follows the dependency check while liveness stays serving") {
  std::atomic<bool> db_up{true};
  ServiceHost host(LocalOptions());
  host.SetReadinessCheck([&]() -> absl::Status {
    return db_up ? absl::OkStatus() : absl::UnavailableError("database unreachable");
  });
  REQUIRE(host.Start().ok());
  auto ch = shopcast::testing::LocalChannel(host.grpc_port());
  CHECK(HealthStatus(ch, "") == 1);
  CHECK(HealthStatus(ch, "liveness") == 1);

  db_up = false;
  CHECK(Eventually([&] { return HealthStatus(ch, "") == 2; }));
  CHECK(HealthStatus(ch, "liveness") == 1);

  db_up = true;
  CHECK(Eventually([&] { return HealthStatus(ch, "") == 1; }));
  CHECK(HealthStatus(ch, "no.such.Service") == 3);
}

TEST_CASE("metrics endpoint exposes per-RPC counters and latency") {
  ServiceHost host(LocalOptions());
  REQUIRE(host.Start().ok());
  auto ch = shopcast::testing::LocalChannel(host.grpc_port());
  REQUIRE(HealthStatus(ch, "") == 1);
  REQUIRE(HealthStatus(ch, "missing") == 3);

  auto res = shopcast::testing::HttpGet(host.metrics_port(), "/metrics");
  CHECK(res.status == 200);
  CHECK(res.body.find("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Check\","
                      "grpc_service=\"grpc.health.v1.Health\"}") != std::string::npos);
  CHECK(res.body.find("grpc_code=\"NOT_FOUND\"") != std::string::npos);
  CHECK(res.body.find("grpc_server_handling_seconds_bucket") != std::string::npos);
}

TEST_CASE("shutdown turns readiness off and stops the server") {
  ServiceHost host(LocalOptions());
  REQUIRE(host.Start().ok());
  auto ch = shopcast::testing::LocalChannel(host.grpc_port());
  REQUIRE(HealthStatus(ch, "") == 1);
  host.RequestShutdown();
  host.WaitForShutdown();  // returns at once: shutdown was requested
  host.Shutdown();
  CHECK(HealthStatus(ch, "") == -1);
}

TEST_CASE("on shutdown readiness goes off first while calls are still served for the delay") {
  HostOptions o = LocalOptions();
  o.unready_delay = absl::Hours(1);  // ended early below by a second request
  ServiceHost host(o);
  REQUIRE(host.Start().ok());
  auto ch = shopcast::testing::LocalChannel(host.grpc_port());
  REQUIRE(HealthStatus(ch, "") == 1);
  std::atomic<bool> returned{false};
  std::thread app([&] {
    host.WaitForShutdown();  // what main() does, then it drains
    returned = true;
    host.Shutdown();
  });
  host.RequestShutdown();
  CHECK(Eventually([&] { return HealthStatus(ch, "") == 2; }));
  // Load balancers now see NOT_SERVING; a call that still reaches us is answered.
  CHECK(HealthStatus(ch, "liveness") == 1);
  CHECK_FALSE(returned);
  host.RequestShutdown();  // a second request (a second SIGTERM) ends the wait
  app.join();
  CHECK(HealthStatus(ch, "") == -1);
}

TEST_CASE("SIGTERM to the waiting thread ends the wait at once, SIGINT likewise ends the delay") {
  // What main() does first; the signals are sent to this thread alone (other threads of the
  // test process may not block them).
  shopcast::server::BlockShutdownSignals();
  HostOptions o = LocalOptions();
  o.unready_delay = absl::Hours(1);
  ServiceHost host(o);
  REQUIRE(host.Start().ok());
  auto ch = shopcast::testing::LocalChannel(host.grpc_port());
  const pthread_t waiter = pthread_self();
  std::thread sender([&] {
    pthread_kill(waiter, SIGTERM);
    // Unready, waiting out the delay: a second signal ends it.
    if (Eventually([&] { return HealthStatus(ch, "") == 2; })) pthread_kill(waiter, SIGINT);
  });
  const auto started = std::chrono::steady_clock::now();
  host.WaitForShutdown();
  sender.join();
  // Returned (both signals taken) as soon as they came, not at the end of the hour.
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
  host.Shutdown();
}

TEST_CASE("shutdown may be requested from many threads at once, any number of times") {
  for (int round = 0; round < 200; ++round) {
    HostOptions o = LocalOptions();
    o.metrics_addr = "";  // stopping the exposer takes seconds; it plays no part here
    ServiceHost host(o);
    REQUIRE(host.Start().ok());
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        while (!go) {
        }
        host.RequestShutdown();
        host.RequestShutdown();
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    host.WaitForShutdown();
    host.Shutdown();
  }
}
