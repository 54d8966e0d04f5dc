#pragma once

// The origin's PlaybackAccess for gated streams: the stream's gate and the viewer's pass from
// the AccessCache, the token from the PlaybackTokenCodec. A host's token is good while its
// holder hosts the stream, an admin's always, a viewer's while the pass it was issued for is
// unrevoked (looked up again on every request).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "access/access_cache.h"
#include "access/playback_token.h"
#include "hls/playback_access.h"

namespace shopcast::video_ingest::access {

class GatedAccess final : public hls::PlaybackAccess {
 public:
  // `wall_now` judges token expiry (tokens cross replicas: the wall clock is what they share).
  GatedAccess(AccessCache& cache, const PlaybackTokenCodec& codec,
              std::function<absl::Time()> wall_now = absl::Now);

  hls::AccessDecision Check(const std::string& stream_id,
                            std::optional<std::string_view> token) const override;

 private:
  AccessCache& cache_;
  const PlaybackTokenCodec& codec_;
  std::function<absl::Time()> wall_now_;
};

}  // namespace shopcast::video_ingest::access
