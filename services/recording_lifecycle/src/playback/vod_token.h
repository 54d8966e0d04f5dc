#pragma once

// Signed VOD playback tokens: the `token` query parameter of every /vod/ URL. The claims travel
// in the clear (no secret to their holder) under an HMAC-SHA-256 (libs/signed_token) with a key
// every replica shares (a key file, like video-ingest's playback tokens), so any replica verifies
// what another signed; a token for another recording or clip, with one bit changed, or past its
// expiry is refused. Pure: no I/O but reading the key file.
//
// Layout (before base64url, no padding): version 1 | scope (1 recording, 2 clip) | nonce (8
// random bytes: every token is unique, one per playback session) | expiry (unix seconds, 8 bytes
// big-endian) | start (milliseconds + 1, 8 bytes; 0 = none) | recording id
// length (1 byte) | recording id | clip id (scope 2) or pass holder (scope 3) or nothing, then
// the 32-byte MAC over a domain label and all of that.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/signed_token/signed_token.h"

namespace shopcast::recording_lifecycle::playback {

inline constexpr size_t kMinVodKeyBytes = 32;
// Longer query values are refused before any decoding (a clip token is about 160).
inline constexpr size_t kMaxVodTokenChars = 256;
inline constexpr size_t kMaxVodTokenIdBytes = 64;

enum class VodScope : uint8_t {
  kRecording = 1,   // the playlist, segments, poster and thumbnails of one recording
  kClip = 2,        // one clip's MP4 and poster
  kPassHolder = 3,  // as kRecording, for a viewer whose access pass the origin re-checks
  kPictures = 4,    // the poster, thumbnails and clip posters of one recording: no media
};

struct VodClaims {
  VodScope scope = VodScope::kRecording;
  std::string recording_id;
  std::string clip_id;      // kClip only
  std::string pass_holder;  // kPassHolder only: the usr_… viewer whose pass opens a gated replay
  absl::Time expires_at;    // whole seconds
  // EXT-X-START of the playlist, milliseconds; nullopt = from the beginning.
  std::optional<int64_t> start_ms;
};

enum class VodTokenProblem {
  kNone,
  kMalformed,       // too long, not base64url, truncated, unknown version or scope
  kForged,          // the MAC does not match: another key, or altered
  kExpired,         // authentic, past expires_at
  kWrongRecording,  // authentic, for another recording (or clip)
  kWrongScope,      // authentic, for this recording, but not for this file (a picture token)
};

class VodTokenCodec {
 public:
  // At least kMinVodKeyBytes; else INVALID_ARGUMENT/VOD_TOKEN_KEY_INVALID.
  static absl::StatusOr<VodTokenCodec> Create(absl::string_view key);
  // A fresh random key (tests, one replica).
  static VodTokenCodec WithRandomKey();

  // Ids must be 1..kMaxVodTokenIdBytes of printable ASCII (ours are); start_ms >= 0.
  std::string Sign(const VodClaims& claims) const;

  // kNone (and the claims into `out`) if this codec signed `token`, it names `recording_id`
  // (and, for a clip token, `clip_id`; a recording token never opens a clip and vice versa) and
  // it is valid at `now`. MAC compared in constant time before any claim is trusted.
  VodTokenProblem Verify(absl::string_view token, absl::string_view recording_id,
                         absl::string_view clip_id, absl::Time now, VodClaims* out = nullptr) const;

  // Decodes without checking recording or expiry (the MAC still must match): fuzzing, tools.
  VodTokenProblem Decode(absl::string_view token, VodClaims& out) const;

 private:
  explicit VodTokenCodec(signed_token::Signer signer) : signer_(std::move(signer)) {}

  signed_token::Signer signer_;
};

// The key file's bytes less trailing whitespace. NOT_FOUND/KEY_FILE_UNREADABLE; as Create.
absl::StatusOr<VodTokenCodec> LoadVodTokenKeyFile(const std::string& path);

// "token_malformed", "token_forged", "token_expired", "token_wrong_recording",
// "token_wrong_scope".
absl::string_view VodProblemLabel(VodTokenProblem problem);

}  // namespace shopcast::recording_lifecycle::playback
