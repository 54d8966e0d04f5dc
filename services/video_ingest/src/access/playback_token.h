#pragma once

// Playback tokens for gated streams: who may fetch a stream's HLS, signed by this service and
// checked by its HLS origin on every request. The claims travel in the clear (they are no secret
// to their holder) with an HMAC-SHA-256 under a server key that every replica shares, so any
// replica verifies what another signed, and a token for one stream, or with one bit changed,
// or past its expiry, is refused. Pure: no I/O but reading the key file.
//
// Layout (before base64url, no padding): version 1 | holder | expiry (unix seconds, 8 bytes
// big-endian) | stream id length (1 byte) | stream id | viewer id, then the 32-byte MAC over a
// domain label and all of that.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/signed_token/signed_token.h"

namespace shopcast::video_ingest::access {

inline constexpr size_t kMinTokenKeyBytes = 32;
// Longer query values are refused before any decoding (a token we sign is about 135).
inline constexpr size_t kMaxTokenChars = 256;
// Stream and viewer ids are ours (str_…, usr_…): printable ASCII, short.
inline constexpr size_t kMaxTokenIdBytes = 64;

// Why the holder may play: decides what the origin checks on each request.
enum class TokenHolder : uint8_t {
  kViewer = 1,  // holds an access pass: checked against the passes on every request
  kHost = 2,    // the stream's host
  kAdmin = 3,
};

struct PlaybackClaims {
  std::string stream_id;
  std::string viewer_id;
  TokenHolder holder = TokenHolder::kViewer;
  absl::Time expires_at;  // whole seconds
};

// What is wrong with a presented token (the origin's refusal reasons).
enum class TokenProblem {
  kNone,
  kMalformed,    // too long, not base64url, truncated, unknown version or holder
  kForged,       // the MAC does not match: another key, or altered
  kExpired,      // authentic, past expires_at
  kWrongStream,  // authentic, for another stream
};

class PlaybackTokenCodec {
 public:
  // At least kMinTokenKeyBytes of secret; else INVALID_ARGUMENT/PLAYBACK_TOKEN_KEY_INVALID.
  static absl::StatusOr<PlaybackTokenCodec> Create(absl::string_view key);
  // A fresh random key: tokens die with the process (tests, one replica).
  static PlaybackTokenCodec WithRandomKey();

  // The token for `claims`. Its ids must be 1..kMaxTokenIdBytes of printable ASCII (ours are).
  std::string Sign(const PlaybackClaims& claims) const;

  // kNone and the claims (into `out`, when not null) if this codec signed `token` for
  // `stream_id` and it is valid at `now`; else the first problem found. The MAC is compared in
  // constant time, and nothing of the claims is trusted before it matched.
  TokenProblem Verify(absl::string_view token, absl::string_view stream_id, absl::Time now,
                      PlaybackClaims* out = nullptr) const;

 private:
  explicit PlaybackTokenCodec(signed_token::Signer signer) : signer_(std::move(signer)) {}

  signed_token::Signer signer_;
};

// Reads a key file (a Kubernetes Secret, tools/dev's .local/keys/playback-token-video-ingest.key):
// its bytes, less trailing whitespace, are the key. NOT_FOUND/KEY_FILE_UNREADABLE if unreadable;
// as Create if too short. The key never appears in a message.
absl::StatusOr<PlaybackTokenCodec> LoadPlaybackTokenKeyFile(const std::string& path);

// "token_missing", "token_malformed", … : the metrics label and log value of a problem.
absl::string_view ProblemLabel(TokenProblem problem);

}  // namespace shopcast::video_ingest::access
