// Playback tokens: what one codec signs only it verifies, for that stream, until expiry; any
// change, truncation or oversized input is refused before anything in it is used.

#include "access/playback_token.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "absl/strings/escaping.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::access {
namespace {

constexpr char kStream[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";
constexpr char kOther[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7ND";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

PlaybackTokenCodec Codec(char fill = 'k') {
  return PlaybackTokenCodec::Create(std::string(32, fill)).value();
}

PlaybackClaims Claims(TokenHolder holder = TokenHolder::kViewer) {
  return PlaybackClaims{kStream, "usr_01J9Z3K8W4V6T2M0QXYHB5R7NV", holder, kNow + absl::Minutes(5)};
}

TEST_CASE("a signed token verifies for its stream and carries its claims") {
  const PlaybackTokenCodec codec = Codec();
  for (TokenHolder holder : {TokenHolder::kViewer, TokenHolder::kHost, TokenHolder::kAdmin}) {
    const std::string token = codec.Sign(Claims(holder));
    CHECK(token.size() <= kMaxTokenChars);
    CHECK(token.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    PlaybackClaims got;
    REQUIRE(codec.Verify(token, kStream, kNow, &got) == TokenProblem::kNone);
    CHECK(got.stream_id == kStream);
    CHECK(got.viewer_id == Claims().viewer_id);
    CHECK(got.holder == holder);
    CHECK(got.expires_at == kNow + absl::Minutes(5));
  }
}

TEST_CASE("a token is refused for another stream, after expiry and under another key") {
  const PlaybackTokenCodec codec = Codec();
  const std::string token = codec.Sign(Claims());
  CHECK(codec.Verify(token, kOther, kNow) == TokenProblem::kWrongStream);
  CHECK(codec.Verify(token, kStream, kNow + absl::Minutes(5) - absl::Seconds(1)) ==
        TokenProblem::kNone);
  CHECK(codec.Verify(token, kStream, kNow + absl::Minutes(5)) == TokenProblem::kExpired);
  CHECK(Codec('x').Verify(token, kStream, kNow) == TokenProblem::kForged);
  CHECK(PlaybackTokenCodec::WithRandomKey().Verify(token, kStream, kNow) == TokenProblem::kForged);
}

TEST_CASE("every altered bit of a token is caught") {
  const PlaybackTokenCodec codec = Codec();
  std::string raw;
  REQUIRE(absl::WebSafeBase64Unescape(codec.Sign(Claims()), &raw));
  for (size_t i = 0; i < raw.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = raw;
      tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
      const TokenProblem p = codec.Verify(absl::WebSafeBase64Escape(tampered), kStream, kNow);
      INFO("byte " << i << " bit " << bit);
      CHECK(p == TokenProblem::kForged);
    }
  }
}

TEST_CASE("a forged longer expiry or another viewer does not verify") {
  const PlaybackTokenCodec codec = Codec();
  PlaybackClaims later = Claims();
  later.expires_at += absl::Hours(24);
  std::string mine, theirs;
  REQUIRE(absl::WebSafeBase64Unescape(codec.Sign(Claims()), &mine));
  REQUIRE(absl::WebSafeBase64Unescape(codec.Sign(later), &theirs));
  // The body of one with the MAC of the other.
  std::string spliced = theirs.substr(0, theirs.size() - 32) + mine.substr(mine.size() - 32);
  CHECK(codec.Verify(absl::WebSafeBase64Escape(spliced), kStream, kNow) == TokenProblem::kForged);
}

TEST_CASE("malformed input is refused, bounded, without a crash") {
  const PlaybackTokenCodec codec = Codec();
  const std::string good = codec.Sign(Claims());
  for (const std::string& bad :
       {std::string(), std::string("a"), std::string("!!!!"), good.substr(0, good.size() / 2),
        good + "%", good + "=", std::string(kMaxTokenChars + 1, 'A'), std::string(100000, 'A'),
        std::string("\0\0\0\0", 4), good.substr(0, 43)}) {
    const TokenProblem p = codec.Verify(bad, kStream, kNow);
    CHECK(p != TokenProblem::kNone);
    CHECK((p == TokenProblem::kMalformed || p == TokenProblem::kForged));
  }
  CHECK(codec.Verify(std::string(kMaxTokenChars + 1, 'A'), kStream, kNow) ==
        TokenProblem::kMalformed);
}

TEST_CASE("the key must hold 32 bytes and is read from a file") {
  CHECK(!PlaybackTokenCodec::Create(std::string(31, 'k')).ok());
  shopcast::testing::TempDir dir;
  std::ofstream(dir.File("key")) << std::string(32, 'k') << "\n";
  auto loaded = LoadPlaybackTokenKeyFile(dir.File("key"));
  REQUIRE(loaded.ok());
  // The trailing newline is not part of the key: the same key as Codec().
  CHECK(Codec().Verify(loaded->Sign(Claims()), kStream, kNow) == TokenProblem::kNone);
  std::ofstream(dir.File("short")) << "too short\n";
  CHECK(!LoadPlaybackTokenKeyFile(dir.File("short")).ok());
  CHECK(absl::IsNotFound(LoadPlaybackTokenKeyFile(dir.File("missing")).status()));
}

}  // namespace
}  // namespace shopcast::video_ingest::access
