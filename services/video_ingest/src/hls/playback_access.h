#pragma once

// The seam between the HLS origin and paid access: for each request of a stream the origin asks
// whether to serve it, and the answer names the reason when not. The origin only maps answers
// to HTTP (401, 403, 503) and counts them; tokens and passes are src/access/'s.

#include <optional>
#include <string>
#include <string_view>

namespace shopcast::video_ingest::hls {

enum class AccessDecision {
  kOpen,            // the stream is not gated: served as always, no token looked at
  kAllowed,         // gated, and the token is valid for it
  kTokenMissing,    // gated, no token parameter → 401
  kTokenMalformed,  // → 403 from here on
  kTokenForged,
  kTokenExpired,
  kTokenWrongStream,
  kPassRevoked,  // a pass holder's token whose pass is gone (refunded, cancelled)
  kUnavailable,  // the answer could not be known (database): → 503, never served
};

class PlaybackAccess {
 public:
  virtual ~PlaybackAccess() = default;
  // `token` is the request's `token` query parameter, nullopt when it has none. Called on the
  // origin's I/O threads: thread-safe, and quick (it may block on a database read for a
  // stream or viewer it has not seen lately).
  virtual AccessDecision Check(const std::string& stream_id,
                               std::optional<std::string_view> token) const = 0;
};

// The metrics label of a refusal ("token_missing", …).
std::string_view DecisionLabel(AccessDecision decision);

}  // namespace shopcast::video_ingest::hls
