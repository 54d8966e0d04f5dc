// libFuzzer target over what the VOD origin takes from players: request targets (the /vod/
// grammar and the token parameter), tokens (decoded under a fixed key), and product titles
// made safe for a playlist attribute. Nothing may crash, hang or leak; a parsed target's ids
// are our ids and a made-safe title never holds a quote or a line break.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "playback/vod_playlist.h"
#include "playback/vod_target.h"
#include "playback/vod_token.h"
#include "shopcast/ids/ids.h"

namespace pb = shopcast::recording_lifecycle::playback;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pb::VodTokenCodec codec =
      *pb::VodTokenCodec::Create("fuzz-key-fuzz-key-fuzz-key-fuzz-key!");
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (auto r = pb::ParseVodTarget(input)) {
    if (!shopcast::ids::IsValidId(r->recording_id, "rec")) std::abort();
    if (r->kind == pb::VodResourceKind::kSegment && r->sequence < 0) std::abort();
    const std::string key = r->ObjectKey();
    if (key.find("..") != std::string::npos) std::abort();
  }
  if (auto t = pb::VodTokenParam(input)) {
    pb::VodClaims claims;
    (void)codec.Decode(absl::string_view(t->data(), t->size()), claims);
  }
  pb::VodClaims claims;
  if (codec.Decode(input, claims) == pb::VodTokenProblem::kNone && claims.recording_id.empty()) {
    std::abort();
  }
  const std::string safe = pb::QuotedStringSafe(input);
  if (safe.find_first_of("\"\r\n") != std::string::npos || safe.size() > 256) std::abort();
  return 0;
}
