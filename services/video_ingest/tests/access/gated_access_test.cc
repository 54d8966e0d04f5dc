// The origin's decision for a gated stream: open streams untouched, then token, holder and pass.

#include "access/gated_access.h"

#include <catch2/catch.hpp>

#include "fake_source.h"

namespace shopcast::video_ingest::access {
namespace {

using hls::AccessDecision;
using testing::FakeSource;

constexpr char kStream[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";
constexpr char kOther[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7ND";
constexpr char kHost[] = "usr_01J9Z3K8W4V6T2M0QXYHB5R7NH";
constexpr char kViewer[] = "usr_01J9Z3K8W4V6T2M0QXYHB5R7NV";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

struct World {
  FakeSource source;
  absl::Duration steady = absl::Seconds(1);
  AccessCache cache{source, AccessCacheOptions{}, [this] { return steady; }};
  PlaybackTokenCodec codec = PlaybackTokenCodec::WithRandomKey();
  GatedAccess access{cache, codec, [] { return kNow; }};

  World() {
    source.SetGate(kStream, StreamGate{true, kHost});
    source.SetGate(kOther, StreamGate{false, kHost});
  }
  std::string Token(const std::string& stream, const std::string& who, TokenHolder holder,
                    absl::Duration ttl = absl::Minutes(5)) {
    return codec.Sign(PlaybackClaims{stream, who, holder, kNow + ttl});
  }
};

TEST_CASE("an ungated stream is open whatever the request carries") {
  World w;
  CHECK(w.access.Check(kOther, std::nullopt) == AccessDecision::kOpen);
  CHECK(w.access.Check(kOther, "garbage") == AccessDecision::kOpen);
}

TEST_CASE("a gated stream refuses missing, malformed, forged, expired and other-stream tokens") {
  World w;
  CHECK(w.access.Check(kStream, std::nullopt) == AccessDecision::kTokenMissing);
  CHECK(w.access.Check(kStream, "") == AccessDecision::kTokenMalformed);
  CHECK(w.access.Check(kStream, "not a token") == AccessDecision::kTokenMalformed);
  const std::string other_key = PlaybackTokenCodec::WithRandomKey().Sign(
      PlaybackClaims{kStream, kHost, TokenHolder::kHost, kNow + absl::Minutes(5)});
  CHECK(w.access.Check(kStream, other_key) == AccessDecision::kTokenForged);
  CHECK(w.access.Check(kStream, w.Token(kStream, kHost, TokenHolder::kHost,
                                        absl::ZeroDuration())) == AccessDecision::kTokenExpired);
  CHECK(w.access.Check(kStream, w.Token(kOther, kHost, TokenHolder::kHost)) ==
        AccessDecision::kTokenWrongStream);
}

TEST_CASE("the host and admins play, a viewer while the pass holds") {
  World w;
  CHECK(w.access.Check(kStream, w.Token(kStream, kHost, TokenHolder::kHost)) ==
        AccessDecision::kAllowed);
  CHECK(w.access.Check(kStream, w.Token(kStream, "usr_admin", TokenHolder::kAdmin)) ==
        AccessDecision::kAllowed);
  // A host token of someone who is not the stream's host was never ours to sign.
  CHECK(w.access.Check(kStream, w.Token(kStream, kViewer, TokenHolder::kHost)) ==
        AccessDecision::kTokenForged);

  const std::string viewer = w.Token(kStream, kViewer, TokenHolder::kViewer);
  CHECK(w.access.Check(kStream, viewer) == AccessDecision::kPassRevoked);  // no pass (yet)
  w.source.SetPass(kViewer, kStream, true);
  w.steady += absl::Seconds(1);
  REQUIRE(w.cache.Refresh().ok());
  CHECK(w.access.Check(kStream, viewer) == AccessDecision::kAllowed);
  w.source.SetPass(kViewer, kStream, false);
  w.steady += absl::Seconds(1);
  REQUIRE(w.cache.Refresh().ok());
  CHECK(w.access.Check(kStream, viewer) == AccessDecision::kPassRevoked);
}

TEST_CASE("the database unreachable for a gate it must load is unavailable, never open") {
  World w;
  w.source.SetFailing(true);
  CHECK(w.access.Check(kStream, std::nullopt) == AccessDecision::kUnavailable);
}

}  // namespace
}  // namespace shopcast::video_ingest::access
