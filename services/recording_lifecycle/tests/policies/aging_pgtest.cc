// 1,000 recordings aged by the platform default policy through hot -> warm -> cold -> expired
// under an injected clock (real PostgreSQL, hot and warm folders, the run's s3rver): the dry
// run lists what will move and why, passes plan the moves, the mover carries them; recordings
// under legal hold never move, undecided ones are deleted after their grace, sale moments stay
// hot until the cold rule, clips and thumbnails age with their recording (and those made after
// it moved catch up).

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mover/mover.h"
#include "mover/purger.h"
#include "policies/aging_pass.h"
#include "shopcast/testing/wait.h"
#include "storage/digest.h"
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
    if (i >= kHeld + kUndecided && i < kHeld + kUndecided + kSales) {
      // Sales, with a clip around one and its moment's thumbnail (they age with the recording).
      s.sales = {absl::Seconds(1)};
      s.clip = true;
      s.thumbnail = true;
    }
    const std::string id = w.AddRecording(s);
    all.push_back(id);
    if (i < kHeld)
      held.push_back(id);
    else if (i < kHeld + kUndecided)
      undecided.push_back(id);
    else if (i < kHeld + kUndecided + kSales)
      with_sales.push_back(id);
  }
  constexpr int kAging = kTotal - kHeld - kUndecided;
  mover.Start();
  const auto drain = [&] {
    const bool done = shopcast::testing::WaitUntil(
        [&] {
          return w.Count("SELECT count(*) FROM tier_moves WHERE state IN ('active', 'parked')") ==
                 0;
        },
        absl::Seconds(240));
    if (!done) {
      // What is stuck, for the failure's message.
      UNSCOPED_INFO(
          "objects left: " << w.Text(
              "SELECT COALESCE(string_agg(kind || '/' || state || '/' || last_error || '/' || "
              "parked::text || ' x' || n::text, ', '), '') FROM (SELECT kind, state, last_error, "
              "parked, count(*) AS n FROM tier_move_objects WHERE state <> 'done' "
              "GROUP BY 1, 2, 3, 4) s"));
    }
    return done;
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
  // One segment per recording; the sale recordings' segment stays hot, their clip's two files
  // and thumbnail went warm with them.
  CHECK(FilesUnder(w.warm()) == kAging - kSales + 3 * kSales);
  CHECK(w.Count("SELECT count(*) FROM clips WHERE mp4_tier = 2 AND poster_tier = 2") == kSales);
  CHECK(w.Count("SELECT count(*) FROM thumbnails WHERE tier = 2") == kSales);

  // Day 181: cold (the sale segments too).
  now = kEnd + 181 * kDay;
  pass = aging.Run(now, 2000);
  CHECK(pass->moves_started() == kAging);
  REQUIRE(drain());
  CHECK(tiers() == std::map<int, int64_t>{{1, kHeld}, {2, 0}, {3, kAging}, {4, 0}});
  CHECK(FilesUnder(w.warm()) == 0);
  CHECK(w.Count("SELECT count(*) FROM clips WHERE mp4_tier = 3 AND poster_tier = 3") == kSales);
  CHECK(w.Count("SELECT count(*) FROM thumbnails WHERE tier = 3") == kSales);
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
  CHECK(
      w.Count("SELECT count(*) FROM outbox WHERE type = 'recording_lifecycle.recording_deleted'") ==
      kUndecided);
  CHECK(w.Count("SELECT count(*) FROM tier_move_objects WHERE state <> 'done'") == 0);
  CHECK(w.Count("SELECT count(*) FROM clips WHERE mp4_tier = 4 AND poster_tier = 4") == kSales);
  // Nothing left to do, however late.
  pass = aging.Run(now + 3650 * kDay, 2000);
  CHECK(pass->moves_started() == 0);
}

// Runs the mover until no move is open.
bool Drain(TierWorld& w, mover::Mover& m) {
  return shopcast::testing::WaitUntil(
      [&] {
        (void)m.RunOnce();
        return w.Count("SELECT count(*) FROM tier_moves WHERE state IN ('active', 'parked')") == 0;
      },
      absl::Seconds(60), absl::Milliseconds(5));
}

TEST_CASE(
    "a clip and a thumbnail made after their recording moved catch up with it once they "
    "are an hour old, and the recording's tier and events do not change",
    "[aging][assets]") {
  TierWorld w;
  absl::Time now = kEnd + 31 * kDay;
  PolicyStore store(w.pool());
  mover::MoverOptions mo;
  mo.scratch_dir = w.scratch();
  mo.retry_base = absl::Milliseconds(5);
  mover::Mover mover(w.pool(), w.tiers(), mo, nullptr, [&] { return now; });
  AgingPassOptions ao;
  ao.test_clock = true;
  AgingPass aging(w.pool(), store, &mover, nullptr, ao, nullptr, [&] { return now; });
  RecordingSpec spec;
  spec.clip = true;
  const std::string id = w.AddRecording(spec);
  const std::string first_clip = w.ClipOf(id);

  auto pass = aging.Run(now, 0);
  REQUIRE(pass.ok());
  REQUIRE(pass->moves_started() == 1);
  REQUIRE(Drain(w, mover));
  CHECK(w.Count("SELECT tier FROM recordings WHERE id = '" + id + "'") == 2);
  CHECK(w.Count("SELECT mp4_tier FROM clips WHERE id = '" + first_clip + "'") == 2);

  // The host makes a clip and the worker a thumbnail now: cut into the hot tier.
  const std::filesystem::path file = w.scratch() / "late.bin";
  {
    std::FILE* f = std::fopen(file.c_str(), "wb");
    std::fputs("a late clip's bytes", f);
    std::fclose(f);
  }
  const std::string sha = *storage::Sha256OfFile(file);
  const std::string clip = "clp_late0000000000000000000001", thm = "thm_late0000000000000000000001";
  for (const std::string& key : {id + "/clips/" + clip + ".mp4", id + "/clips/" + clip + ".jpg",
                                 id + "/thumbs/" + thm + ".jpg"}) {
    REQUIRE(w.tiers().hot().Put(key, file, sha).ok());
  }
  const std::string at = "'epoch'::timestamptz + " + std::to_string(absl::ToUnixSeconds(now)) +
                         " * interval '1 second'";
  w.Exec(
      "INSERT INTO clips (id, recording_id, creator_id, title, requested_start_us, "
      "requested_duration_us, status, mp4_key, mp4_sha256, poster_key, poster_sha256, "
      "created_at, updated_at) VALUES ('" +
      clip + "', '" + id +
      "', 'usr_host', 'Late', 0, "
      "1000000, 3, '" +
      id + "/clips/" + clip + ".mp4', '" + sha + "', '" + id + "/clips/" + clip + ".jpg', '" + sha +
      "', " + at + ", " + at + ")");
  w.Exec(
      "INSERT INTO thumbnails (id, recording_id, kind, moment_id, media_offset_us, object_key, "
      "sha256, status, created_at, updated_at) VALUES ('" +
      thm + "', '" + id +
      "', 'moment', "
      "'mom_late', 0, '" +
      id + "/thumbs/" + thm + ".jpg', '" + sha + "', 3, " + at + ", " + at + ")");

  // Within the hour they stay hot (the first viewers of a new clip are served from there).
  auto dry = aging.DryRun(now + absl::Minutes(30), 100);
  REQUIRE(dry.ok());
  CHECK(dry->decisions_size() == 0);
  pass = aging.Run(now + absl::Minutes(30), 0);
  CHECK(pass->moves_started() == 0);

  now += absl::Hours(2);
  dry = aging.DryRun(now, 100);
  REQUIRE(dry.ok());
  REQUIRE(dry->decisions_size() == 1);
  CHECK(dry->decisions(0).action() == "CATCH_UP");
  CHECK(dry->decisions(0).reasons(0) == "ASSETS_LAG");
  CHECK(dry->decisions(0).to_tier() == pb::STORAGE_TIER_WARM);
  pass = aging.Run(now, 0);
  REQUIRE(pass.ok());
  CHECK(pass->moves_started() == 1);
  REQUIRE(Drain(w, mover));
  CHECK(w.Count("SELECT count(*) FROM clips WHERE recording_id = '" + id +
                "' AND mp4_tier = 2 AND poster_tier = 2") == 2);
  CHECK(w.Count("SELECT tier FROM thumbnails WHERE id = '" + thm + "'") == 2);
  CHECK(w.Count("SELECT tier FROM recordings WHERE id = '" + id + "'") == 2);
  CHECK(w.Audit(id) == std::vector<std::string>{});
  CHECK(w.ListEverywhere(id + "/").size() == 5);
  // One tier change reported (the move to warm), none for the catch-up.
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = "
                "'recording_lifecycle.recording_tier_changed'") == 1);
  // Caught up: nothing more to do.
  pass = aging.Run(now + absl::Hours(3), 0);
  CHECK(pass->moves_started() == 0);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
