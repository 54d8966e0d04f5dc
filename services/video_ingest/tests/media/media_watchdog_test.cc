#include "media/media_watchdog.h"

#include <catch2/catch.hpp>

namespace shopcast::video_ingest::media {
namespace {

absl::Duration S(double seconds) { return absl::Seconds(seconds); }

TEST_CASE("MediaWatchdog lets a long keyframe interval flow with no segment for 30 s",
          "[watchdog]") {
  // The old rule (no segment for 3 x target + stall timeout = 16 s) cut 10 s GOPs: media flows
  // here without a single segment boundary for 30 s, and nothing is stalled.
  MediaWatchdog watchdog(absl::Seconds(10));
  for (double t = 0; t <= 30; t += 0.04) {
    watchdog.InputArrived(S(t));
    watchdog.MediaParsed(S(t + 0.01));
    watchdog.MediaWritten(S(t + 0.02));
    INFO("t=" << t);
    REQUIRE_FALSE(watchdog.Check(S(t + 0.03)).has_value());
  }
}

TEST_CASE("MediaWatchdog reports input that never leaves the parsers", "[watchdog]") {
  MediaWatchdog watchdog(absl::Seconds(10));
  watchdog.InputArrived(S(100));
  watchdog.InputArrived(S(105));  // Still pending since 100.
  CHECK_FALSE(watchdog.Check(S(110)).has_value());
  REQUIRE(watchdog.Check(S(110.1)).has_value());
  CHECK(*watchdog.Check(S(110.1)) == "no media left the parsers for 10s");
  // Parsed media clears it.
  watchdog.MediaParsed(S(110.2));
  watchdog.MediaWritten(S(110.3));
  CHECK_FALSE(watchdog.Check(S(200)).has_value());
}

TEST_CASE("MediaWatchdog reports parsed media that reaches no segment", "[watchdog]") {
  // A muxer waiting for a track that never delivers.
  MediaWatchdog watchdog(absl::Seconds(10));
  for (double t = 0; t < 10; t += 0.5) {
    watchdog.InputArrived(S(t));
    watchdog.MediaParsed(S(t));
  }
  CHECK_FALSE(watchdog.Check(S(10)).has_value());
  REQUIRE(watchdog.Check(S(10.5)).has_value());
  CHECK(*watchdog.Check(S(10.5)) == "parsed media reached no segment for 10s");
}

TEST_CASE("MediaWatchdog reads only the steady times it is given", "[watchdog]") {
  // Elapsed time comes from the steady clock passed in; nothing reads the wall clock, so a
  // wall-clock step (NTP, an operator) cannot fire it or hold it off.
  MediaWatchdog watchdog(absl::Seconds(10));
  watchdog.InputArrived(S(5));
  CHECK_FALSE(watchdog.Check(S(14.9)).has_value());
  CHECK(watchdog.Check(S(15.1)).has_value());
}

}  // namespace
}  // namespace shopcast::video_ingest::media
