// The origin's cache of gates and passes on a fake source and a clock the test moves: answers
// from memory between refreshes, a refresh brings a revocation in, stale answers are not
// trusted when the source is down, idle keys are forgotten, the refresher thread rests while
// nothing is in use.

#include "access/access_cache.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "fake_source.h"

namespace shopcast::video_ingest::access {
namespace {

using testing::FakeSource;

constexpr char kStream[] = "str_a";
constexpr char kViewer[] = "usr_v";

struct World {
  FakeSource source;
  absl::Duration now = absl::Seconds(100);
  AccessCache cache{
      source, AccessCacheOptions{absl::Milliseconds(500), absl::Seconds(3), absl::Seconds(60)},
      [this] { return now; }};
};

TEST_CASE("answers come from memory until a refresh reloads them") {
  World w;
  w.source.SetGate(kStream, StreamGate{true, "usr_h"});
  w.source.SetPass(kViewer, kStream, true);
  REQUIRE(w.cache.Gate(kStream).value().gated);
  REQUIRE(w.cache.HasPass(kViewer, kStream).value());
  const int loads = w.source.loads();
  for (int i = 0; i < 100; ++i) {
    CHECK(w.cache.HasPass(kViewer, kStream).value());
    CHECK(w.cache.Gate(kStream).value().host_id == "usr_h");
  }
  CHECK(w.source.loads() == loads);

  // Revoked in the database: seen at the next refresh, not before.
  w.source.SetPass(kViewer, kStream, false);
  w.source.SetGate(kStream, StreamGate{false, "usr_h"});
  CHECK(w.cache.HasPass(kViewer, kStream).value());
  w.now += absl::Milliseconds(500);
  REQUIRE(w.cache.Refresh().ok());
  CHECK(!w.cache.HasPass(kViewer, kStream).value());
  CHECK(!w.cache.Gate(kStream).value().gated);
}

TEST_CASE("an unknown stream is not gated") {
  World w;
  const StreamGate g = w.cache.Gate("str_unknown").value();
  CHECK(!g.gated);
  CHECK(g.host_id.empty());
}

TEST_CASE(
    "when refreshing fails, stale passes are reloaded per request, and refused if that fails") {
  World w;
  w.source.SetGate(kStream, StreamGate{true, "usr_h"});
  w.source.SetPass(kViewer, kStream, true);
  REQUIRE(w.cache.HasPass(kViewer, kStream).value());
  REQUIRE(w.cache.Gate(kStream).value().gated);
  w.source.SetFailing(true);
  w.now += absl::Seconds(1);
  CHECK(!w.cache.Refresh().ok());
  // Still within max_age: the last answer stands.
  CHECK(w.cache.HasPass(kViewer, kStream).value());
  w.now += absl::Seconds(3);
  CHECK(!w.cache.HasPass(kViewer, kStream).ok());
  // A gate is kept through the outage; a stream never seen cannot be answered.
  CHECK(w.cache.Gate(kStream).value().gated);
  CHECK(!w.cache.Gate("str_never_seen").ok());
  w.source.SetFailing(false);
  CHECK(w.cache.HasPass(kViewer, kStream).value());
}

TEST_CASE("keys nobody asked for lately are not reloaded, and are loaded again when asked") {
  World w;
  w.source.SetGate(kStream, StreamGate{true, "usr_h"});
  w.source.SetPass(kViewer, kStream, true);
  REQUIRE(w.cache.HasPass(kViewer, kStream).value());
  REQUIRE(w.cache.Gate(kStream).value().gated);
  w.now += absl::Seconds(4);  // past max_age since the last request
  const int loads = w.source.loads();
  REQUIRE(w.cache.Refresh().ok());
  CHECK(w.source.loads() == loads);  // the database was not asked
  // Revoked meanwhile: the next request loads the key itself and sees it.
  w.source.SetPass(kViewer, kStream, false);
  CHECK(!w.cache.HasPass(kViewer, kStream).value());
  CHECK(w.cache.Gate(kStream).value().gated);
  CHECK(w.source.loads() == loads + 2);
  // In use again: refreshed again.
  w.now += absl::Milliseconds(500);
  REQUIRE(w.cache.Refresh().ok());
  CHECK(w.source.loads() > loads + 2);
}

TEST_CASE("keys nobody asked for are forgotten") {
  World w;
  w.source.SetPass(kViewer, kStream, true);
  REQUIRE(w.cache.HasPass(kViewer, kStream).value());
  w.now += absl::Seconds(61);
  REQUIRE(w.cache.Refresh().ok());
  const int loads = w.source.loads();
  REQUIRE(w.cache.Refresh().ok());  // nothing left to reload
  CHECK(w.source.loads() == loads);
  CHECK(w.cache.HasPass(kViewer, kStream).value());  // loaded again on demand
  CHECK(w.source.loads() == loads + 1);
}

// Polls `done` every millisecond until it holds or `within` passes; whether it held.
template <typename F>
bool Eventually(F done, std::chrono::milliseconds within = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST_CASE("the refresher reloads keys in use, rests while none is, and wakes when one is asked") {
  FakeSource source;
  source.SetPass(kViewer, kStream, true);
  std::atomic<int64_t> now_ms{100'000};
  AccessCache cache(source,
                    AccessCacheOptions{absl::Milliseconds(2), absl::Seconds(3), absl::Seconds(60)},
                    [&] { return absl::Milliseconds(now_ms.load()); });
  cache.Start();
  // Rests over a window of 100 intervals: a busy machine could only make fewer rounds.
  auto rests_at = [&](int64_t rounds) {
    return !Eventually([&] { return cache.background_rounds() > rounds; },
                       std::chrono::milliseconds(200));
  };

  // Nothing ever used: one round finds nothing, then the thread sleeps.
  REQUIRE(Eventually([&] { return cache.background_rounds() >= 1; }));
  CHECK(rests_at(1));
  CHECK(source.loads() == 0);

  // In use: reloaded round after round.
  REQUIRE(cache.HasPass(kViewer, kStream).value());
  const int first = source.loads();
  CHECK(Eventually([&] { return source.loads() >= first + 3; }));
  // A revocation reaches the cache without a request reloading it.
  source.SetPass(kViewer, kStream, false);
  CHECK(Eventually([&] { return !cache.HasPass(kViewer, kStream).value(); }));

  // Nobody asks any more (past max_age): the next round reloads nothing, then rest.
  now_ms += 4'000;
  const int64_t before = cache.background_rounds();
  REQUIRE(Eventually([&] { return cache.background_rounds() >= before + 1; }));
  const int64_t rested = cache.background_rounds();
  CHECK(rested <= before + 2);
  const int loads = source.loads();
  CHECK(rests_at(rested));
  CHECK(source.loads() == loads);

  // Asked again: loaded on the spot, and the refresher is back at work.
  source.SetPass(kViewer, kStream, true);
  CHECK(cache.HasPass(kViewer, kStream).value());
  CHECK(Eventually([&] { return source.loads() >= loads + 3; }));
  CHECK(cache.background_rounds() > rested);

  // Stopping wakes a resting refresher.
  now_ms += 4'000;
  const int64_t last = cache.background_rounds();
  REQUIRE(Eventually([&] { return cache.background_rounds() >= last + 1; }));
  cache.Stop();
}

}  // namespace
}  // namespace shopcast::video_ingest::access
