// 1,000 recordings aged by the platform default policy through hot -> warm -> cold -> expired
// under an injected clock (real PostgreSQL, hot and warm folders, the run's s3rver): the dry
// run lists what will move and why, passes plan the moves, the mover carries them; recordings
// under legal hold never move, undecided ones are deleted after their grace, sale moments stay
// hot until the cold rule.

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mover/mover.h"
#include "mover/purger.h"
#include "policies/aging_pass.h"
#include "shopcast/testing/wait.h"
#include "tier_world.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

using namespace ::shopcast::recording_lifecycle::policies;  // NOLINT
const absl::Time kEnd = absl::FromUnixSeconds(1767225600);
constexpr absl::Duration kDay = absl::Hours(24);

int FilesUnder(const std::filesystem::path& root) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

TEST_CASE("1,000 recordings age through every tier under an injected clock", "[aging]") {
  TierWorld w;
  absl::Time now = kEnd;
  PolicyStore store(w.pool());
  mover::MoverOptions mo;
  mo.concurrency = 4;
  mo.poll = absl::Milliseconds(10);
  mo.scratch_dir = w.scratch();
  mo.retry_base = absl::Milliseconds(5);
  mover::Mover mover(w.pool(), w.tiers(), mo, nullptr, [&] { return now; });
  mover::Purger purger(w.pool(), w.tiers(), {}, nullptr, [&] { return now; });
  AgingPassOptions ao;
  ao.test_clock = true;
  AgingPass aging(w.pool(), store, &mover, &purger, ao, nullptr, [&] { return now; });

  constexpr int kTotal = 1000, kHeld = 10, kUndecided = 20, kSales = 20;
  std::vector<std::string> held, undecided, with_sales, all;
  for (int i = 0; i < kTotal; ++i) {
    RecordingSpec s;
    s.segments = 1;
    s.segment_bytes = 256;
    s.poster = false;
    s.ended_at = kEnd;
    if (i < kHeld) s.legal_hold = true;
    if (i >= kHeld && i < kHeld + kUndecided) s.decision = 1;
    if (i >= kHeld + kUndecided && i < kHeld + kUndecided + kSales) s.sales = {absl::Seconds(1)};
    const std::string id = w.AddRecording(s);
    all.push_back(id);
    if (i < kHeld) held.push_back(id);
    else if (i < kHeld + kUndecided) undecided.push_back(id);
    else if (i < kHeld + kUndecided + kSales) with_sales.push_back(id);
  }
  constexpr int kAging = kTotal - kHeld - kUndecided;
  mover.Start();
  const auto drain = [&] {
    return shopcast::testing::WaitUntil(
        [&] {
          return w.Count("SELECT count(*) FROM tier_moves WHERE state IN ('active', 'parked')") ==
                 0;
        },
        absl::Seconds(150));
  };
  const auto tiers = [&] {
    std::map<int, int64_t> by;
    for (int t = 1; t <= 4; ++t) {
      by[t] = w.Count("SELECT count(*) FROM recordings WHERE status = 3 AND tier = " +
                      std::to_string(t));
    }
    return by;
  };

  // Day 8: the undecided recordings' grace ran out.
  now = kEnd + 8 * kDay;
  auto pass = aging.Run(now, 2000);
  REQUIRE(pass.ok());
  CHECK(pass->undecided_deleted() == kUndecided);
  CHECK(pass->moves_started() == 0);
  REQUIRE(*purger.RunOnce() == kUndecided);
  CHECK(w.Count("SELECT count(*) FROM recordings WHERE status = 5") == kUndecided);
  for (const std::string& id : undecided) CHECK(w.ListEverywhere(w.StreamOf(id) + "/").empty());

  // Day 29: nothing due yet.
  auto dry = aging.DryRun(kEnd + 29 * kDay, 1000);
  REQUIRE(dry.ok());
  CHECK(dry->decisions_size() == 0);

  // Day 31: every saved recording not held goes warm; the dry run says so and why.
  now = kEnd + 31 * kDay;
  dry = aging.DryRun(now, 1000);
  REQUIRE(dry.ok());
  REQUIRE(dry->decisions_size() == kAging);
  int kept = 0;
  for (const auto& d : dry->decisions()) {
    CHECK(d.action() == "MOVE");
    CHECK(d.from_tier() == pb::STORAGE_TIER_HOT);
    CHECK(d.to_tier() == pb::STORAGE_TIER_WARM);
    CHECK(d.rule_index() == 0);
    CHECK(d.reasons(0) == "AGE_REACHED");
    CHECK(d.reasons(1) == "IDLE_REACHED");
    if (d.segments_kept() == 1) {
      ++kept;
      CHECK(d.reasons(2) == "SALE_WINDOW_KEPT");
      CHECK(d.segments_moved() == 0);
    } else {
      CHECK(d.segments_moved() == 1);
    }
  }
  CHECK(kept == kSales);
  auto limited = aging.DryRun(now, 10);
  CHECK(limited->decisions_size() == 10);
  CHECK(limited->remaining() == kAging - 10);
  // Nothing happened in a dry run.
  CHECK(w.Count("SELECT count(*) FROM tier_moves WHERE origin = 'policy'") == 0);

  // A batch limit leaves the rest for the next pass.
  pass = aging.Run(now, 100);
  REQUIRE(pass.ok());
  CHECK(pass->moves_started() == 100);
  CHECK(pass->remaining() == kAging - 100);
  pass = aging.Run(now, 2000);
  CHECK(pass->moves_started() == kAging - 100);
  REQUIRE(drain());
  CHECK(tiers() == std::map<int, int64_t>{{1, kHeld}, {2, kAging}, {3, 0}, {4, 0}});
  // Sales kept their segment hot.
  for (const std::string& id : with_sales) {
    CHECK(w.Count("SELECT tier FROM segments WHERE recording_id = '" + id + "'") == 1);
  }
  CHECK(FilesUnder(w.warm()) == kAging - kSales);

  // Day 181: cold (the sale segments too).
  now = kEnd + 181 * kDay;
  pass = aging.Run(now, 2000);
  CHECK(pass->moves_started() == kAging);
  REQUIRE(drain());
  CHECK(tiers() == std::map<int, int64_t>{{1, kHeld}, {2, 0}, {3, kAging}, {4, 0}});
  CHECK(FilesUnder(w.warm()) == 0);
  CHECK(FilesUnder(w.hot()) == kHeld);

  // Three years on: expired, the media gone everywhere, the metadata kept.
  now = kEnd + 3 * 365 * kDay + kDay;
  pass = aging.Run(now, 2000);
  CHECK(pass->moves_started() == kAging);
  REQUIRE(drain());
  mover.Stop();
  CHECK(tiers() == std::map<int, int64_t>{{1, kHeld}, {2, 0}, {3, 0}, {4, kAging}});
  CHECK(w.Count("SELECT count(*) FROM segments WHERE tier = 4") == kAging + kUndecided);
  CHECK(FilesUnder(w.hot()) == kHeld);
  for (size_t i = 0; i < all.size(); i += 25) {
    INFO(all[i]);
    CHECK(w.Audit(all[i]) == std::vector<std::string>{});
  }
  for (const std::string& id : with_sales) CHECK(w.ListEverywhere(w.StreamOf(id) + "/").empty());
  for (const std::string& id : held) {
    CHECK(w.Count("SELECT tier FROM recordings WHERE id = '" + id + "'") == 1);
    CHECK(w.Audit(id) == std::vector<std::string>{});
  }
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = "
                "'recording_lifecycle.recording_tier_changed'") == 3 * kAging);
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = 'recording_lifecycle.recording_deleted'")
        == kUndecided);
  CHECK(w.Count("SELECT count(*) FROM tier_move_objects WHERE state <> 'done'") == 0);
  // Nothing left to do, however late.
  pass = aging.Run(now + 3650 * kDay, 2000);
  CHECK(pass->moves_started() == 0);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
