// libFuzzer entry point for what a player's request hands the gated origin: the `token` query
// parameter (hls/hls_path.h TokenParam) and the playback token parser (access/playback_token.h).
// Built by the fuzz preset (fuzz/fuzz.cmake) and replayed over its seed corpus in the normal
// build.
// Input: the first byte picks the mode, the rest is the text.
//   0: a request target; its token parameter, if any, is verified.
//   1: a token verified as is (bounded parsing, MAC before anything else).
//   2: claims made from the text are signed and must verify to exactly themselves (the parser
//      behind the MAC check, which mode 1 can never reach with a forged MAC).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "access/playback_token.h"
#include "hls/hls_path.h"

namespace {

using shopcast::video_ingest::access::PlaybackClaims;
using shopcast::video_ingest::access::PlaybackTokenCodec;
using shopcast::video_ingest::access::TokenHolder;
using shopcast::video_ingest::access::TokenProblem;

constexpr std::string_view kStream = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

const PlaybackTokenCodec& Codec() {
  static const PlaybackTokenCodec* codec =
      new PlaybackTokenCodec(PlaybackTokenCodec::Create(std::string(32, 'k')).value());
  return *codec;
}

void CheckVerify(std::string_view token) {
  PlaybackClaims claims;
  const TokenProblem p =
      Codec().Verify(absl::string_view(token.data(), token.size()),
                     absl::string_view(kStream.data(), kStream.size()), kNow, &claims);
  if (p == TokenProblem::kNone && claims.stream_id != kStream) std::abort();
}

// Printable ASCII ids of 1..64 bytes from the text.
std::string IdFrom(std::string_view text, char fallback) {
  std::string id;
  for (char c : text.substr(0, 64)) id.push_back(c > 0x20 && c < 0x7f ? c : fallback);
  if (id.empty()) id.push_back(fallback);
  return id;
}

void CheckRoundTrip(std::string_view text) {
  const size_t half = text.size() / 2;
  PlaybackClaims claims;
  claims.stream_id = IdFrom(text.substr(0, half), 's');
  claims.viewer_id = IdFrom(text.substr(half), 'v');
  claims.holder = static_cast<TokenHolder>(1 + text.size() % 3);
  claims.expires_at = kNow + absl::Seconds(1 + static_cast<int64_t>(text.size()));
  const std::string token = Codec().Sign(claims);
  PlaybackClaims got;
  if (Codec().Verify(token, claims.stream_id, kNow, &got) != TokenProblem::kNone) std::abort();
  if (got.stream_id != claims.stream_id || got.viewer_id != claims.viewer_id ||
      got.holder != claims.holder || got.expires_at != claims.expires_at) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int mode = data[0] % 3;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode == 0) {
    const auto token = shopcast::video_ingest::hls::TokenParam(text);
    if (token) {
      // What it returns lies inside the target, after "token=".
      if (token->data() < text.data() ||
          token->data() + token->size() > text.data() + text.size()) {
        std::abort();
      }
      CheckVerify(*token);
    }
  } else if (mode == 1) {
    CheckVerify(text);
  } else {
    CheckRoundTrip(text);
  }
  return 0;
}
