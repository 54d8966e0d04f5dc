// VOD tokens: what they bind (recording, clip, expiry, start), and every way a presented token
// can be wrong.
#include "playback/vod_token.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <stdexcept>

#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

constexpr char kRec[] = "rec_01J9Z3K8W4V6T2M0QXYHB5R7NC";
constexpr char kOtherRec[] = "rec_01J9Z3K8W4V6T2M0QXYHB5R7ND";
constexpr char kClip[] = "clp_01J9Z3K8W4V6T2M0QXYHB5R7NC";

const absl::Time kNow = absl::FromUnixSeconds(1796000000);

VodClaims Recording(std::optional<int64_t> start_ms = std::nullopt) {
  VodClaims c;
  c.recording_id = kRec;
  c.expires_at = kNow + absl::Hours(6);
  c.start_ms = start_ms;
  return c;
}

TEST_CASE("A token opens its recording until it expires, and carries its start") {
  const VodTokenCodec codec = VodTokenCodec::WithRandomKey();
  const std::string token = codec.Sign(Recording(61500));
  CHECK(token.size() <= kMaxVodTokenChars);
  CHECK(codec.Sign(Recording(61500)) != token);  // one token per playback session
  VodClaims out;
  REQUIRE(codec.Verify(token, kRec, "", kNow, &out) == VodTokenProblem::kNone);
  CHECK(out.start_ms == 61500);
  CHECK(out.expires_at == kNow + absl::Hours(6));
  CHECK(out.scope == VodScope::kRecording);
  CHECK(codec.Verify(token, kRec, "", kNow + absl::Hours(6), nullptr) == VodTokenProblem::kExpired);
  CHECK(codec.Verify(token, kOtherRec, "", kNow) == VodTokenProblem::kWrongRecording);
  // No start: nullopt, and 0 stays distinct from none.
  REQUIRE(codec.Verify(codec.Sign(Recording()), kRec, "", kNow, &out) == VodTokenProblem::kNone);
  CHECK_FALSE(out.start_ms.has_value());
  REQUIRE(codec.Verify(codec.Sign(Recording(0)), kRec, "", kNow, &out) == VodTokenProblem::kNone);
  CHECK(out.start_ms == 0);
}

TEST_CASE("A clip token opens its clip only, and a recording token no clip") {
  const VodTokenCodec codec = VodTokenCodec::WithRandomKey();
  VodClaims clip = Recording();
  clip.scope = VodScope::kClip;
  clip.clip_id = kClip;
  const std::string clip_token = codec.Sign(clip);
  CHECK(codec.Verify(clip_token, kRec, kClip, kNow) == VodTokenProblem::kNone);
  CHECK(codec.Verify(clip_token, kRec, "", kNow) == VodTokenProblem::kWrongRecording);
  CHECK(codec.Verify(codec.Sign(Recording()), kRec, kClip, kNow) ==
        VodTokenProblem::kWrongRecording);
}

TEST_CASE("A pass holder's token names its holder, and a picture token says it is one") {
  const VodTokenCodec codec = VodTokenCodec::WithRandomKey();
  VodClaims held = Recording(2000);
  held.scope = VodScope::kPassHolder;
  held.pass_holder = "usr_01J9Z3K8W4V6T2M0QXYHB5R7NC";
  const std::string token = codec.Sign(held);
  CHECK(token.size() <= kMaxVodTokenChars);
  VodClaims out;
  // It opens the recording's files (the origin then checks the pass), never a clip.
  REQUIRE(codec.Verify(token, kRec, "", kNow, &out) == VodTokenProblem::kNone);
  CHECK(out.scope == VodScope::kPassHolder);
  CHECK(out.pass_holder == held.pass_holder);
  CHECK(out.clip_id.empty());
  CHECK(out.start_ms == 2000);
  CHECK(codec.Verify(token, kRec, held.pass_holder, kNow) == VodTokenProblem::kWrongRecording);
  CHECK(codec.Verify(token, kRec, kClip, kNow) == VodTokenProblem::kWrongRecording);

  VodClaims pictures = Recording();
  pictures.scope = VodScope::kPictures;
  REQUIRE(codec.Verify(codec.Sign(pictures), kRec, "", kNow, &out) == VodTokenProblem::kNone);
  CHECK(out.scope == VodScope::kPictures);
  CHECK(out.pass_holder.empty());

  // Claims that do not fit their scope are a programming error, never signed.
  VodClaims holderless = held;
  holderless.pass_holder.clear();
  CHECK_THROWS_AS(codec.Sign(holderless), std::logic_error);
  VodClaims stray = Recording();
  stray.pass_holder = held.pass_holder;
  CHECK_THROWS_AS(codec.Sign(stray), std::logic_error);
}

TEST_CASE(
    "Another key, a flipped bit or a truncation is refused, nothing is trusted before the MAC") {
  const VodTokenCodec a = VodTokenCodec::WithRandomKey();
  const VodTokenCodec b = VodTokenCodec::WithRandomKey();
  const std::string token = a.Sign(Recording());
  CHECK(b.Verify(token, kRec, "", kNow) == VodTokenProblem::kForged);
  for (size_t i = 0; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    const VodTokenProblem p = a.Verify(t, kRec, "", kNow);
    CHECK((p == VodTokenProblem::kForged || p == VodTokenProblem::kMalformed));
  }
  CHECK(a.Verify(token.substr(0, token.size() - 1), kRec, "", kNow) != VodTokenProblem::kNone);
  CHECK(a.Verify(token.substr(0, 20), kRec, "", kNow) == VodTokenProblem::kMalformed);
}

TEST_CASE("Only the canonical spelling of a token is accepted (the last character's unused bits)") {
  const VodTokenCodec a = VodTokenCodec::WithRandomKey();
  // Tokens carry a random nonce: try many, so last characters with unused bits occur.
  for (int n = 0; n < 200; ++n) {
    const std::string token = a.Sign(Recording());
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (char c : alphabet) {
      if (c == token.back()) continue;
      std::string t = token;
      t.back() = c;
      CHECK(a.Verify(t, kRec, "", kNow) != VodTokenProblem::kNone);
    }
  }
}

TEST_CASE("Malformed tokens are refused before any decoding") {
  const VodTokenCodec codec = VodTokenCodec::WithRandomKey();
  CHECK(codec.Verify("", kRec, "", kNow) == VodTokenProblem::kMalformed);
  CHECK(codec.Verify(std::string(kMaxVodTokenChars + 1, 'A'), kRec, "", kNow) ==
        VodTokenProblem::kMalformed);
  CHECK(codec.Verify("abc%2Bdef", kRec, "", kNow) == VodTokenProblem::kMalformed);
  CHECK(codec.Verify("abc+def/", kRec, "", kNow) == VodTokenProblem::kMalformed);
  CHECK(codec.Verify("abcd=", kRec, "", kNow) == VodTokenProblem::kMalformed);
  CHECK(codec.Verify(std::string(200, 'A'), kRec, "", kNow) == VodTokenProblem::kForged);
}

TEST_CASE("Keys: too short refused, a key file shared by replicas verifies their tokens") {
  CHECK(ReasonOf(VodTokenCodec::Create("short").status()) == "VOD_TOKEN_KEY_INVALID");
  shopcast::testing::TempDir dir;
  const std::string path = (dir.path() / "vod.key").string();
  std::ofstream(path) << std::string(48, 'k') << "\n";
  auto one = LoadVodTokenKeyFile(path);
  auto two = LoadVodTokenKeyFile(path);
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  CHECK(two->Verify(one->Sign(Recording()), kRec, "", kNow) == VodTokenProblem::kNone);
  CHECK(ReasonOf(LoadVodTokenKeyFile((dir.path() / "missing").string()).status()) ==
        "KEY_FILE_UNREADABLE");
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::playback
