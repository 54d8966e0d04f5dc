#include "access/playback_token.h"

#include <sodium.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::access {
namespace {

constexpr char kVersion = 1;
constexpr size_t kMacBytes = crypto_auth_hmacsha256_BYTES;
constexpr size_t kExpiryBytes = 8;
// version, holder, expiry, stream id length.
constexpr size_t kHeaderBytes = 1 + 1 + kExpiryBytes + 1;
// Binds the MAC to this use: a key shared by mistake with another HMAC user cannot make a
// playback token out of that user's tags.
constexpr absl::string_view kDomain = "shopcast.video_ingest.playback_token";

void EnsureSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

bool IsPrintableAscii(absl::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool ValidId(absl::string_view id) {
  return !id.empty() && id.size() <= kMaxTokenIdBytes && IsPrintableAscii(id);
}

}  // namespace

absl::StatusOr<PlaybackTokenCodec> PlaybackTokenCodec::Create(absl::string_view key) {
  if (key.size() < kMinTokenKeyBytes) {
    return InvalidArgument("playback_token_key", "PLAYBACK_TOKEN_KEY_INVALID",
                           "the playback token key must hold at least 32 bytes");
  }
  EnsureSodium();
  return PlaybackTokenCodec(std::string(key));
}

PlaybackTokenCodec PlaybackTokenCodec::WithRandomKey() {
  EnsureSodium();
  std::string key(kMinTokenKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  return PlaybackTokenCodec(std::move(key));
}

std::string PlaybackTokenCodec::Mac(absl::string_view body) const {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key_.data()),
                              key_.size());
  for (absl::string_view part : {kDomain, body}) {
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  }
  std::string mac(kMacBytes, '\0');
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

std::string PlaybackTokenCodec::Sign(const PlaybackClaims& claims) const {
  // Our own ids always pass; anything else is a bug in the caller.
  if (!ValidId(claims.stream_id) || !ValidId(claims.viewer_id)) {
    throw std::logic_error("playback token ids must be short printable ASCII");
  }
  std::string body;
  body.push_back(kVersion);
  body.push_back(static_cast<char>(claims.holder));
  const uint64_t expiry = static_cast<uint64_t>(absl::ToUnixSeconds(claims.expires_at));
  for (int shift = 56; shift >= 0; shift -= 8) body.push_back(static_cast<char>(expiry >> shift));
  body.push_back(static_cast<char>(claims.stream_id.size()));
  body += claims.stream_id;
  body += claims.viewer_id;
  return absl::WebSafeBase64Escape(body + Mac(body));
}

TokenProblem PlaybackTokenCodec::Verify(absl::string_view token, absl::string_view stream_id,
                                        absl::Time now, PlaybackClaims* out) const {
  // Bounded before any work: a query value can be as long as the request head allows.
  if (token.empty() || token.size() > kMaxTokenChars) return TokenProblem::kMalformed;
  for (char c : token) {
    if (!IsBase64UrlChar(c)) return TokenProblem::kMalformed;
  }
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return TokenProblem::kMalformed;
  if (raw.size() < kHeaderBytes + 2 + kMacBytes) return TokenProblem::kMalformed;
  const absl::string_view all(raw);
  const absl::string_view body = all.substr(0, all.size() - kMacBytes);
  const absl::string_view mac = all.substr(body.size());
  const std::string want = Mac(body);
  if (sodium_memcmp(want.data(), mac.data(), kMacBytes) != 0) return TokenProblem::kForged;
  // Authentic: we signed it. The checks below still guard against a leaked key.
  if (body[0] != kVersion) return TokenProblem::kMalformed;
  const auto holder = static_cast<uint8_t>(body[1]);
  if (holder < static_cast<uint8_t>(TokenHolder::kViewer) ||
      holder > static_cast<uint8_t>(TokenHolder::kAdmin)) {
    return TokenProblem::kMalformed;
  }
  uint64_t expiry = 0;
  for (size_t i = 0; i < kExpiryBytes; ++i) {
    expiry = (expiry << 8) | static_cast<unsigned char>(body[2 + i]);
  }
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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(absl::StatusCode::kNotFound, "KEY_FILE_UNREADABLE",
                 "cannot read the playback token key file " + path);
  }
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(key);
  return PlaybackTokenCodec::Create(trimmed);
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
