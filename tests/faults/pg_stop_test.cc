// A service's PostgreSQL stopped with `pg_ctl -m immediate` (every backend killed, no
// checkpoint) under load and started again: the service reconnects by itself and the
// invariants hold. order and product-inventory each get a cluster of their own in the test's
// scratch folder (tools/pg-cluster, durable settings: synchronous_commit on), so the fault
// hits that service's database only; the other services stay on the run's shared cluster.
// Bounded (CTest): each of the two databases stopped once. Longer: SHOPCAST_FAULTS_ROUNDS=<n>.

#include <catch2/catch.hpp>
#include <iostream>
#include <random>

#include "absl/strings/str_join.h"
#include "fault_world.h"

namespace shopcast::faults {
namespace {

TEST_CASE("a service's PostgreSQL stopped immediately under load loses nothing", "[faults]") {
  WorldOptions options;
  options.own_cluster = {"order", "product-inventory"};
  FaultWorld world(options);
  LoadDriver load(world);
  Invariants invariants(world, load);
  std::mt19937 rng(std::random_device{}());
  const int rounds = RoundsFromEnv(1);
  load.Start();
  REQUIRE(load.WaitForProgress(5, absl::Seconds(60)));
  for (int round = 0; round < rounds; ++round) {
    for (const std::string& service : options.own_cluster) {
      INFO("round " << round << ", the database of " << service);
      REQUIRE(load.WaitForProgress(1 + static_cast<int64_t>(rng() % 8), absl::Seconds(60)));
      const absl::Time stopped = absl::Now();
      world.cluster(service).StopImmediate();
      world.counts().faults.fetch_add(1);
      absl::SleepFor(absl::Milliseconds(500 + rng() % 1500));  // the service sees it gone
      world.cluster(service).Start();
      const absl::Time started = absl::Now();
      REQUIRE(load.WaitForProgress(5, absl::Seconds(60)));
      const absl::Time serving = absl::Now();
      CHECK(world.suite().IsRunning(service));  // reconnected; not restarted
      load.Stop();
      const std::vector<std::string> failures = invariants.Check();
      std::cout << "faults[pg_immediate_stop] round " << round << " " << service
                << "'s database: down " << absl::FormatDuration(started - stopped)
                << " (crash recovery included), 5 operations served "
                << absl::FormatDuration(serving - started) << " after, invariants "
                << (failures.empty() ? "hold" : "VIOLATED") << " (checked in "
                << absl::FormatDuration(absl::Now() - serving) << ")" << std::endl;
      INFO(absl::StrJoin(failures, "\n"));
      CHECK(failures.empty());
      load.Start();
    }
  }
  load.Stop();
  const std::vector<std::string> failures = invariants.Check();
  INFO(absl::StrJoin(failures, "\n"));
  CHECK(failures.empty());
  PrintCounts("pg_immediate_stop", world.counts());
  CHECK(world.counts().gave_up.load() == 0);
}

}  // namespace
}  // namespace shopcast::faults
