// The refusal backoff on a clock the test moves, alone and in front of a fake admission.

#include "ingest/refusal_backoff.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>

#include "ingest/backoff_admission.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct FakeClock {
  Clock::time_point t = Clock::time_point() + 1000h;
  std::function<Clock::time_point()> fn() {
    return [this] { return t; };
  }
};

RefusalBackoffOptions Options(FakeClock& clock) {
  RefusalBackoffOptions o;
  o.free_refusals = 3;
  o.base_wait = 1s;
  o.max_wait = 30s;
  o.forget_after = 120s;
  o.now = clock.fn();
  return o;
}

// Admits "sk_good" only; counts every attempt that reached it (each one a database transaction
// in the real runtime).
class CountingAdmission : public PublishAdmission {
 public:
  class Session : public MediaSession {
   public:
    bool Write(std::span<const uint8_t>) override { return true; }
    void Close(const absl::Status&) override {}
  };
  absl::StatusOr<std::shared_ptr<MediaSession>> Admit(const PublishRequest& r, MediaFormat,
                                                      DisconnectFn) override {
    ++checked;
    if (r.stream_key != "sk_good") return PermissionDenied("STREAM_KEY_INVALID", "no");
    if (busy) {
      return Error(absl::StatusCode::kFailedPrecondition, "ALREADY_PUBLISHING", "in use");
    }
    if (down) return Error(absl::StatusCode::kUnavailable, "DB_UNAVAILABLE", "down");
    return std::shared_ptr<MediaSession>(std::make_shared<Session>());
  }
  int checked = 0;
  bool busy = false;
  bool down = false;
};

PublishRequest Request(const std::string& key, const std::string& address) {
  return PublishRequest{IngestProtocol::kSrt, key, address};
}

TEST_CASE("an encoder refused in a tight loop is checked a handful of times, not 40") {
  FakeClock clock;
  RefusalBackoff backoff(Options(clock));
  CountingAdmission inner;
  BackoffAdmission admission(inner, backoff);
  int backed_off = 0;
  // srtsink's loop: 40 attempts in 12 s, from one address with a wrong key.
  for (int i = 0; i < 40; ++i) {
    auto r = admission.Admit(Request("sk_wrong", "198.51.100.7:4000"), MediaFormat::kMpegTs, {});
    REQUIRE_FALSE(r.ok());
    if (ReasonOf(r.status()) == "PUBLISH_BACKOFF") {
      ++backed_off;
      CHECK(r.status().code() == absl::StatusCode::kResourceExhausted);
    }
    clock.t += 300ms;
  }
  // 3 free refusals, a 4th that starts the blocks, then one check after each block of 1 s,
  // 2 s and 4 s (the next, 8 s, runs past the 12 s).
  CHECK(inner.checked == 7);
  CHECK(backed_off == 33);
  // Another address with the same key is not slowed by it.
  auto other = admission.Admit(Request("sk_wrong", "203.0.113.9:5000"), MediaFormat::kMpegTs, {});
  CHECK(ReasonOf(other.status()) == "STREAM_KEY_INVALID");
  CHECK(inner.checked == 8);
}

TEST_CASE("a handshake prescreen turns away a pair that is backing off, and only that") {
  FakeClock clock;
  RefusalBackoff backoff(Options(clock));
  CountingAdmission inner;
  BackoffAdmission admission(inner, backoff);
  const PublishRequest wrong = Request("sk_wrong", "198.51.100.7:4000");
  // A prescreen claims and counts nothing: it never starts a backoff by itself.
  for (int i = 0; i < 10; ++i) CHECK(admission.Prescreen(wrong).ok());
  CHECK(inner.checked == 0);
  for (int i = 0; i < 4; ++i) CHECK_FALSE(admission.Admit(wrong, MediaFormat::kMpegTs, {}).ok());
  absl::Status turned_away = admission.Prescreen(wrong);
  CHECK(turned_away.code() == absl::StatusCode::kResourceExhausted);
  CHECK(ReasonOf(turned_away) == "PUBLISH_BACKOFF");
  CHECK(admission.Prescreen(Request("sk_wrong", "203.0.113.9:5000")).ok());
  CHECK(admission.Prescreen(Request("sk_good", "198.51.100.7:4001")).ok());
  // Waiting out the block lets it through to the real check again.
  clock.t += 1s;
  CHECK(admission.Prescreen(wrong).ok());
  CHECK(inner.checked == 4);
}

TEST_CASE("the owner is never blocked for longer than max_wait, and the count decays") {
  FakeClock clock;
  RefusalBackoff backoff(Options(clock));
  CountingAdmission inner;
  BackoffAdmission admission(inner, backoff);
  inner.busy = true;  // The old session has not been released yet: ALREADY_PUBLISHING.
  // Retrying every 100 ms for ten minutes: the blocks double up to 30 s and stay there;
  // attempts while blocked do not make them longer.
  Clock::time_point last_checked = clock.t;
  std::chrono::nanoseconds longest{0};
  for (int i = 0; i < 6000; ++i) {
    const int before = inner.checked;
    (void)admission.Admit(Request("sk_good", "198.51.100.7:4000"), MediaFormat::kFlv, {});
    if (inner.checked > before) {
      longest = std::max(longest, clock.t - last_checked);
      last_checked = clock.t;
    }
    clock.t += 100ms;
  }
  CHECK(longest <= 30s + 100ms);
  CHECK(longest >= 30s);
  // The stream is free now: the next check after the block lets the owner in.
  inner.busy = false;
  clock.t += backoff.Wait("sk_good", "198.51.100.7:1") + 1ms;
  auto admitted = admission.Admit(Request("sk_good", "198.51.100.7:4001"), MediaFormat::kFlv, {});
  REQUIRE(admitted.ok());
  // It published and left normally: its past refusals are forgotten.
  (*admitted)->Close(absl::OkStatus());
  CHECK(backoff.Wait("sk_good", "198.51.100.7:1") == 0ms);
  CHECK(backoff.size() == 0);

  // Refusals spread out beyond forget_after never add up.
  for (int i = 0; i < 10; ++i) {
    backoff.Refused("sk_x", "192.0.2.1:1");
    CHECK(backoff.Wait("sk_x", "192.0.2.1:1") == 0ms);
    clock.t += 121s;
  }
}

TEST_CASE("our own faults and codec refusals are told apart") {
  FakeClock clock;
  RefusalBackoff backoff(Options(clock));
  CountingAdmission inner;
  BackoffAdmission admission(inner, backoff);
  inner.down = true;  // The database is down: not the encoder's fault, no backoff.
  for (int i = 0; i < 10; ++i) {
    auto r = admission.Admit(Request("sk_good", "192.0.2.1:1"), MediaFormat::kFlv, {});
    CHECK(r.status().code() == absl::StatusCode::kUnavailable);
  }
  CHECK(inner.checked == 10);
  // Media refused by the protocol server counts: an HEVC encoder in a loop backs off too.
  inner.down = false;
  for (int i = 0; i < 4; ++i) {
    auto r = admission.Admit(Request("sk_good", "192.0.2.1:1"), MediaFormat::kFlv, {});
    REQUIRE(r.ok());
    (*r)->Refuse(Error(absl::StatusCode::kInvalidArgument, "UNSUPPORTED_CODEC", "HEVC"));
  }
  auto r = admission.Admit(Request("sk_good", "192.0.2.1:1"), MediaFormat::kFlv, {});
  CHECK(ReasonOf(r.status()) == "PUBLISH_BACKOFF");
}

TEST_CASE("the table stays bounded under many keys") {
  FakeClock clock;
  RefusalBackoffOptions o = Options(clock);
  o.max_entries = 100;
  RefusalBackoff backoff(o);
  for (int i = 0; i < 1000; ++i) {
    backoff.Refused("sk_" + std::to_string(i), "192.0.2.1:1");
    clock.t += 1ms;
  }
  CHECK(backoff.size() == 100);
}

}  // namespace
}  // namespace shopcast::video_ingest
