#include "access/playback_token.h"

#include <stdexcept>
#include <utility>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::access {
namespace {

constexpr char kVersion = 1;
constexpr size_t kExpiryBytes = 8;
// version, holder, expiry, stream id length.
constexpr size_t kHeaderBytes = 1 + 1 + kExpiryBytes + 1;
// Binds the MAC to this use: a key shared by mistake with another HMAC user cannot make a
// playback token out of that user's tags.
constexpr absl::string_view kDomain = "shopcast.video_ingest.playback_token";

bool ValidId(absl::string_view id) { return signed_token::IsTokenId(id, kMaxTokenIdBytes); }

}  // namespace

absl::StatusOr<PlaybackTokenCodec> PlaybackTokenCodec::Create(absl::string_view key) {
  std::optional<signed_token::Signer> signer = signed_token::Signer::FromSecret(key);
  if (!signer) {
    return InvalidArgument("playback_token_key", "PLAYBACK_TOKEN_KEY_INVALID",
                           "the playback token key must hold at least 32 bytes");
  }
  return PlaybackTokenCodec(*std::move(signer));
}

PlaybackTokenCodec PlaybackTokenCodec::WithRandomKey() {
  return PlaybackTokenCodec(signed_token::Signer::WithRandomSecret());
}

std::string PlaybackTokenCodec::Sign(const PlaybackClaims& claims) const {
  // Our own ids always pass; anything else is a bug in the caller.
  if (!ValidId(claims.stream_id) || !ValidId(claims.viewer_id)) {
    throw std::logic_error("playback token ids must be short printable ASCII");
  }
  std::string body;
  body.push_back(kVersion);
  body.push_back(static_cast<char>(claims.holder));
  signed_token::AppendU64(static_cast<uint64_t>(absl::ToUnixSeconds(claims.expires_at)), &body);
  body.push_back(static_cast<char>(claims.stream_id.size()));
  body += claims.stream_id;
  body += claims.viewer_id;
  return signer_.Sign({kDomain}, body);
}

TokenProblem PlaybackTokenCodec::Verify(absl::string_view token, absl::string_view stream_id,
                                        absl::Time now, PlaybackClaims* out) const {
  std::string raw;
  switch (signer_.Open({kDomain}, token, kMaxTokenChars, kHeaderBytes + 2, &raw)) {
    case signed_token::Problem::kNone:
      break;
    case signed_token::Problem::kForged:
      return TokenProblem::kForged;
    case signed_token::Problem::kMalformed:
      return TokenProblem::kMalformed;
  }
  const absl::string_view body(raw);
  // Authentic: we signed it. The checks below still guard against a leaked key.
  if (body[0] != kVersion) return TokenProblem::kMalformed;
  const auto holder = static_cast<uint8_t>(body[1]);
  if (holder < static_cast<uint8_t>(TokenHolder::kViewer) ||
      holder > static_cast<uint8_t>(TokenHolder::kAdmin)) {
    return TokenProblem::kMalformed;
  }
  const uint64_t expiry = signed_token::ReadU64(body.substr(2));
  const size_t stream_len = static_cast<unsigned char>(body[kHeaderBytes - 1]);
  if (body.size() <= kHeaderBytes + stream_len) return TokenProblem::kMalformed;
  const absl::string_view claimed_stream = body.substr(kHeaderBytes, stream_len);
  const absl::string_view viewer = body.substr(kHeaderBytes + stream_len);
  if (!ValidId(claimed_stream) || !ValidId(viewer) || expiry > (uint64_t{1} << 40)) {
    return TokenProblem::kMalformed;
  }
  const absl::Time expires_at = absl::FromUnixSeconds(static_cast<int64_t>(expiry));
  if (claimed_stream != stream_id) return TokenProblem::kWrongStream;
  if (now >= expires_at) return TokenProblem::kExpired;
  if (out != nullptr) {
    out->stream_id = std::string(claimed_stream);
    out->viewer_id = std::string(viewer);
    out->holder = static_cast<TokenHolder>(holder);
    out->expires_at = expires_at;
  }
  return TokenProblem::kNone;
}

absl::StatusOr<PlaybackTokenCodec> LoadPlaybackTokenKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string key, signed_token::ReadSecretFile(path, "playback token"));
  return PlaybackTokenCodec::Create(key);
}

absl::string_view ProblemLabel(TokenProblem problem) {
  switch (problem) {
    case TokenProblem::kNone:
      return "none";
    case TokenProblem::kMalformed:
      return "token_malformed";
    case TokenProblem::kForged:
      return "token_forged";
    case TokenProblem::kExpired:
      return "token_expired";
    case TokenProblem::kWrongStream:
      return "token_wrong_stream";
  }
  return "token_malformed";
}

}  // namespace shopcast::video_ingest::access
