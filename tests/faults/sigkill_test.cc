// SIGKILL of each service in turn at a random moment under load, the service started again on
// its ports and database, and every invariant checked after each kill: nothing a client was
// told is lost, no stock or money drifts, no room event is lost or applied twice.
// Bounded (CTest): one round, each service killed once. Longer: SHOPCAST_FAULTS_ROUNDS=<n>.

#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>
#include <random>

#include "absl/strings/str_join.h"
#include "fault_world.h"

namespace shopcast::faults {
namespace {

TEST_CASE("SIGKILL of each service in turn under load loses nothing", "[faults]") {
  FaultWorld world;
  LoadDriver load(world);
  Invariants invariants(world, load);
  std::mt19937 rng(std::random_device{}());
  std::vector<std::string> services = {"user", "realtime-push", "product-inventory", "video-ingest",
                                       "order"};
  const int rounds = RoundsFromEnv(1);
  load.Start();
  REQUIRE(load.WaitForProgress(5, absl::Seconds(60)));
  for (int round = 0; round < rounds; ++round) {
    std::shuffle(services.begin(), services.end(), rng);
    for (const std::string& service : services) {
      INFO("round " << round << ", " << service);
      // A random moment: some operations into the load.
      REQUIRE(load.WaitForProgress(1 + static_cast<int64_t>(rng() % 8), absl::Seconds(60)));
      absl::SleepFor(absl::Milliseconds(rng() % 400));
      const absl::Time killed = absl::Now();
      world.suite().Kill(service);
      world.counts().faults.fetch_add(1);
      absl::SleepFor(absl::Milliseconds(rng() % 1000));  // down for a moment, clients retrying
      world.suite().Restart(service);
      const absl::Time restarted = absl::Now();
      // The suite serves again on its own (peers reconnect; clients retry).
      REQUIRE(load.WaitForProgress(5, absl::Seconds(60)));
      const absl::Time serving = absl::Now();
      load.Stop();
      const std::vector<std::string> failures = invariants.Check();
      std::cout << "faults[sigkill] round " << round << " " << service << ": down "
                << absl::FormatDuration(restarted - killed) << ", 5 operations served "
                << absl::FormatDuration(serving - restarted) << " after restart, invariants "
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
  PrintCounts("sigkill", world.counts());
  CHECK(world.counts().gave_up.load() == 0);
}

}  // namespace
}  // namespace shopcast::faults
