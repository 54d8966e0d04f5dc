#include "playback/vod_token.h"

#include <sodium.h>

#include <stdexcept>
#include <utility>

#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

constexpr char kVersion = 1;
constexpr size_t kNonceBytes = 8;
// version, scope, nonce, expiry, start, recording id length.
constexpr size_t kHeaderBytes = 1 + 1 + kNonceBytes + 8 + 8 + 1;
constexpr absl::string_view kDomain = "shopcast.recording_lifecycle.vod_token";

bool ValidId(absl::string_view id) { return signed_token::IsTokenId(id, kMaxVodTokenIdBytes); }

}  // namespace

absl::StatusOr<VodTokenCodec> VodTokenCodec::Create(absl::string_view key) {
  std::optional<signed_token::Signer> signer = signed_token::Signer::FromSecret(key);
  if (!signer) {
    return InvalidArgument("vod_token_key", "VOD_TOKEN_KEY_INVALID",
                           "the VOD token key must hold at least 32 bytes");
  }
  return VodTokenCodec(*std::move(signer));
}

VodTokenCodec VodTokenCodec::WithRandomKey() {
  return VodTokenCodec(signed_token::Signer::WithRandomSecret());
}

std::string VodTokenCodec::Sign(const VodClaims& claims) const {
  const bool clip = claims.scope == VodScope::kClip;
  const bool held = claims.scope == VodScope::kPassHolder;
  if (!ValidId(claims.recording_id) || (clip && !ValidId(claims.clip_id)) ||
      (!clip && !claims.clip_id.empty()) || (held && !ValidId(claims.pass_holder)) ||
      (!held && !claims.pass_holder.empty()) || (claims.start_ms && *claims.start_ms < 0)) {
    throw std::logic_error("VOD token claims must be short printable ASCII ids");
  }
  std::string body;
  body.push_back(kVersion);
  body.push_back(static_cast<char>(claims.scope));
  // Each token is unique: one playback session, one view (vod_origin's counter).
  char nonce[kNonceBytes];
  randombytes_buf(nonce, sizeof nonce);  // libsodium is initialised by the signer
  body.append(nonce, sizeof nonce);
  signed_token::AppendU64(static_cast<uint64_t>(absl::ToUnixSeconds(claims.expires_at)), &body);
  signed_token::AppendU64(claims.start_ms ? static_cast<uint64_t>(*claims.start_ms) + 1 : 0, &body);
  body.push_back(static_cast<char>(claims.recording_id.size()));
  body += claims.recording_id;
  body += held ? claims.pass_holder : claims.clip_id;
  return signer_.Sign({kDomain}, body);
}

VodTokenProblem VodTokenCodec::Decode(absl::string_view token, VodClaims& out) const {
  std::string raw;
  switch (signer_.Open({kDomain}, token, kMaxVodTokenChars, kHeaderBytes + 1, &raw)) {
    case signed_token::Problem::kNone:
      break;
    case signed_token::Problem::kForged:
      return VodTokenProblem::kForged;
    case signed_token::Problem::kMalformed:
      return VodTokenProblem::kMalformed;
  }
  const absl::string_view body(raw);
  // Authentic; the checks below still guard against a leaked key.
  if (body[0] != kVersion) return VodTokenProblem::kMalformed;
  const auto scope = static_cast<uint8_t>(body[1]);
  if (scope < static_cast<uint8_t>(VodScope::kRecording) ||
      scope > static_cast<uint8_t>(VodScope::kPictures)) {
    return VodTokenProblem::kMalformed;
  }
  const uint64_t expiry = signed_token::ReadU64(body.substr(2 + kNonceBytes));
  const uint64_t start = signed_token::ReadU64(body.substr(10 + kNonceBytes));
  const size_t rec_len = static_cast<unsigned char>(body[kHeaderBytes - 1]);
  if (body.size() < kHeaderBytes + rec_len) return VodTokenProblem::kMalformed;
  const absl::string_view rec = body.substr(kHeaderBytes, rec_len);
  // The clip id (kClip), the pass holder (kPassHolder), or nothing.
  const absl::string_view tail = body.substr(kHeaderBytes + rec_len);
  const bool with_tail = scope == static_cast<uint8_t>(VodScope::kClip) ||
                         scope == static_cast<uint8_t>(VodScope::kPassHolder);
  if (!ValidId(rec) || (with_tail ? !ValidId(tail) : !tail.empty()) ||
      expiry > (uint64_t{1} << 40) || start > (uint64_t{1} << 40)) {
    return VodTokenProblem::kMalformed;
  }
  out.scope = static_cast<VodScope>(scope);
  out.recording_id = std::string(rec);
  out.clip_id.clear();
  out.pass_holder.clear();
  if (out.scope == VodScope::kClip) out.clip_id = std::string(tail);
  if (out.scope == VodScope::kPassHolder) out.pass_holder = std::string(tail);
  out.expires_at = absl::FromUnixSeconds(static_cast<int64_t>(expiry));
  out.start_ms =
      start == 0 ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(start - 1));
  return VodTokenProblem::kNone;
}

VodTokenProblem VodTokenCodec::Verify(absl::string_view token, absl::string_view recording_id,
                                      absl::string_view clip_id, absl::Time now,
                                      VodClaims* out) const {
  VodClaims claims;
  if (VodTokenProblem p = Decode(token, claims); p != VodTokenProblem::kNone) return p;
  if (claims.recording_id != recording_id || claims.clip_id != clip_id) {
    return VodTokenProblem::kWrongRecording;
  }
  if (now >= claims.expires_at) return VodTokenProblem::kExpired;
  if (out != nullptr) *out = std::move(claims);
  return VodTokenProblem::kNone;
}

absl::StatusOr<VodTokenCodec> LoadVodTokenKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string key, signed_token::ReadSecretFile(path, "VOD token"));
  return VodTokenCodec::Create(key);
}

absl::string_view VodProblemLabel(VodTokenProblem problem) {
  switch (problem) {
    case VodTokenProblem::kNone:
      return "none";
    case VodTokenProblem::kMalformed:
      return "token_malformed";
    case VodTokenProblem::kForged:
      return "token_forged";
    case VodTokenProblem::kExpired:
      return "token_expired";
    case VodTokenProblem::kWrongRecording:
      return "token_wrong_recording";
    case VodTokenProblem::kWrongScope:
      return "token_wrong_scope";
  }
  return "token_malformed";
}

}  // namespace shopcast::recording_lifecycle::playback
