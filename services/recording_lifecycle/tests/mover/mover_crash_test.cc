// kill -9 during moves, over and over: a child process runs the mover against the real
// database, the real hot and warm folders and the real s3rver, and is killed at random points
// (after a random number of recorded steps, zero included). After every kill no object is lost
// (each is whole, with its recorded SHA-256, in the tier its pointer names); after the moves
// finish nothing is left behind in any other tier, every copy was verified, and each move
// reported its tier change exactly once. Each recording has a clip (MP4 and poster) and a
// moment thumbnail, which the mover carries with its segments and poster.

#include <catch2/catch.hpp>
#include <csignal>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "mover/plan.h"
#include "shopcast/db/transaction.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/wait.h"
#include "tier_world.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

constexpr char kProgress[] =
    "SELECT COALESCE(sum(CASE state WHEN 'planned' THEN 0 WHEN 'copying' THEN 1 "
    "WHEN 'verifying' THEN 2 WHEN 'switching' THEN 3 WHEN 'deleting_source' THEN 4 ELSE 5 END), "
    "0)::bigint FROM tier_move_objects";
constexpr char kOpenMoves[] = "SELECT count(*) FROM tier_moves WHERE state IN ('active', 'parked')";

struct CrashWorld {
  TierWorld w;
  std::vector<std::string> recordings;
  std::mt19937 rng{std::random_device{}()};
  int kills = 0;

  std::vector<std::string> Argv(bool until_idle) {
    std::vector<std::string> argv = {RL_MOVER_CHILD,      w.dsn(),         w.hot().string(),
                                     w.warm().string(),   w.s3().endpoint, w.s3().bucket,
                                     w.scratch().string()};
    if (until_idle) argv.push_back("--until-idle");
    return argv;
  }

  void PlanAll(int to_tier) {
    for (const std::string& id : recordings) {
      absl::Status s = db::InTransaction(w.pool(), [&](pqxx::work& tx) -> absl::Status {
        mover::MoveRequest r;
        r.recording_id = id;
        r.to_tier = to_tier;
        r.now = absl::Now();
        return mover::PlanMove(tx, r).status();
      });
      REQUIRE(s.ok());
    }
  }

  // Objects not whole in their pointer tier (copies elsewhere are allowed mid-move).
  std::vector<std::string> Lost() {
    std::vector<std::string> lost;
    for (const std::string& id : recordings) {
      for (const std::string& p : w.Audit(id)) {
        if (p.find("left behind") == std::string::npos) lost.push_back(p);
      }
    }
    return lost;
  }

  // Kills the mover at random points until the moves finish (or `max_kills` kills), then lets
  // one run to the end.
  void RunWithKills(int max_kills, const std::string& phase) {
    for (int i = 0; i < max_kills && w.Count(kOpenMoves) > 0; ++i) {
      ChildProcessLog log(w, phase, i);
      shopcast::testing::ChildProcess child(Argv(false), {}, log.path);
      REQUIRE(shopcast::testing::WaitUntil(
          [&] { return child.log().find("ready") != std::string::npos || !child.running(); },
          absl::Seconds(30)));
      REQUIRE(child.running());
      const int64_t start = w.Count(kProgress);
      const int steps = std::uniform_int_distribution<int>(0, 6)(rng);
      REQUIRE(shopcast::testing::WaitUntil(
          [&] { return w.Count(kProgress) >= start + steps || w.Count(kOpenMoves) == 0; },
          absl::Seconds(60), absl::Milliseconds(2)));
      child.Signal(SIGKILL);
      REQUIRE(child.Wait(10000) == 128 + SIGKILL);
      ++kills;
      const std::vector<std::string> lost = Lost();
      INFO(phase << " kill " << i << ": " << (lost.empty() ? "" : lost.front()));
      REQUIRE(lost.empty());
    }
    ChildProcessLog log(w, phase, 999);
    shopcast::testing::ChildProcess child(Argv(true), {}, log.path);
    const int code = child.Wait(120000);
    INFO(child.log());
    REQUIRE(code == 0);
    REQUIRE(w.Count(kOpenMoves) == 0);
  }

  struct ChildProcessLog {
    std::string path;
    ChildProcessLog(TierWorld& w, const std::string& phase, int i)
        : path((w.scratch() / absl::StrCat("child-", phase, "-", i, ".log")).string()) {}
  };
};

TEST_CASE(
    "kill -9 at random points of moves: nothing lost, nothing left, all verified, "
    "each tier change reported once",
    "[mover][crash]") {
  CrashWorld c;
  for (int i = 0; i < 12; ++i) {
    RecordingSpec spec;
    spec.segments = 2;
    spec.segment_bytes = 3000 + i;
    spec.clip = true;
    spec.thumbnail = true;
    c.recordings.push_back(c.w.AddRecording(spec));
  }
  // Two segments, the poster, the clip's MP4 and poster, the thumbnail.
  const int64_t objects_per_phase = 12 * 6;

  c.PlanAll(2);  // HOT -> WARM (filesystem to filesystem)
  c.RunWithKills(10, "warm");
  c.PlanAll(3);  // WARM -> COLD (into S3)
  c.RunWithKills(10, "cold");
  c.PlanAll(1);  // COLD -> HOT (the admin's restore, out of S3)
  c.RunWithKills(10, "hot");
  INFO("kills: " << c.kills);
  CHECK(c.kills >= 15);

  for (const std::string& id : c.recordings) {
    INFO(id);
    const std::vector<std::string> problems = c.w.Audit(id);
    CHECK(problems == std::vector<std::string>{});
    CHECK(c.w.Count("SELECT tier FROM recordings WHERE id = '" + id + "'") == 1);
    // One event per finished move: three moves, three events, no duplicate.
    CHECK(c.w.Count("SELECT count(*) FROM outbox WHERE aggregate_id = '" + id +
                    "' AND type = 'recording_lifecycle.recording_tier_changed'") == 3);
  }
  CHECK(c.w.Count("SELECT count(*) FROM tier_move_objects WHERE state = 'done' AND verified") ==
        3 * objects_per_phase);
  CHECK(c.w.Count("SELECT count(*) FROM tier_move_objects") == 3 * objects_per_phase);
  CHECK(c.w.Count("SELECT count(*) FROM tier_moves WHERE state = 'done'") == 3 * 12);
  // Nothing in the warm folder or the bucket; the hot tier holds exactly the objects.
  for (const std::string& id : c.recordings) {
    const std::string stream = c.w.StreamOf(id);
    CHECK(c.w.ListEverywhere(stream + "/").size() == 3);
    // The clip's two objects and the thumbnail, back in hot with their pointers.
    CHECK(c.w.ListEverywhere(id + "/").size() == 3);
    CHECK(c.w.Count("SELECT count(*) FROM clips WHERE recording_id = '" + id +
                    "' AND mp4_tier = 1 AND poster_tier = 1") == 1);
    CHECK(c.w.Count("SELECT count(*) FROM thumbnails WHERE recording_id = '" + id +
                    "' AND tier = 1") == 1);
  }
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
