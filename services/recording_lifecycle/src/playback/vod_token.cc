#include "playback/vod_token.h"

#include <sodium.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

constexpr char kVersion = 1;
constexpr size_t kMacBytes = crypto_auth_hmacsha256_BYTES;
constexpr size_t kNonceBytes = 8;
// version, scope, nonce, expiry, start, recording id length.
constexpr size_t kHeaderBytes = 1 + 1 + kNonceBytes + 8 + 8 + 1;
constexpr absl::string_view kDomain = "shopcast.recording_lifecycle.vod_token";

void EnsureSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

bool ValidId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxVodTokenIdBytes) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool IsBase64UrlChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

uint64_t GetU64(absl::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

absl::StatusOr<VodTokenCodec> VodTokenCodec::Create(absl::string_view key) {
  if (key.size() < kMinVodKeyBytes) {
    return InvalidArgument("vod_token_key", "VOD_TOKEN_KEY_INVALID",
                           "the VOD token key must hold at least 32 bytes");
  }
  EnsureSodium();
  return VodTokenCodec(std::string(key));
}

VodTokenCodec VodTokenCodec::WithRandomKey() {
  EnsureSodium();
  std::string key(kMinVodKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  return VodTokenCodec(std::move(key));
}

std::string VodTokenCodec::Mac(absl::string_view body) const {
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

std::string VodTokenCodec::Sign(const VodClaims& claims) const {
  const bool clip = claims.scope == VodScope::kClip;
  if (!ValidId(claims.recording_id) || (clip && !ValidId(claims.clip_id)) ||
      (!clip && !claims.clip_id.empty()) || (claims.start_ms && *claims.start_ms < 0)) {
    throw std::logic_error("VOD token claims must be short printable ASCII ids");
  }
  std::string body;
  body.push_back(kVersion);
  body.push_back(static_cast<char>(claims.scope));
  // Each token is unique: one playback session, one view (vod_origin's counter).
  char nonce[kNonceBytes];
  randombytes_buf(nonce, sizeof nonce);
  body.append(nonce, sizeof nonce);
  PutU64(body, static_cast<uint64_t>(absl::ToUnixSeconds(claims.expires_at)));
  PutU64(body, claims.start_ms ? static_cast<uint64_t>(*claims.start_ms) + 1 : 0);
  body.push_back(static_cast<char>(claims.recording_id.size()));
  body += claims.recording_id;
  body += claims.clip_id;
  return absl::WebSafeBase64Escape(body + Mac(body));
}

VodTokenProblem VodTokenCodec::Decode(absl::string_view token, VodClaims& out) const {
  if (token.empty() || token.size() > kMaxVodTokenChars) return VodTokenProblem::kMalformed;
  for (char c : token) {
    if (!IsBase64UrlChar(c)) return VodTokenProblem::kMalformed;
  }
  // Unpadded base64url never leaves one character over.
  if (token.size() % 4 == 1) return VodTokenProblem::kMalformed;
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return VodTokenProblem::kMalformed;
  // One spelling per token: absl ignores the unused low bits of the last character, so "…A"
  // and "…B" could both decode to the same bytes. Only the canonical encoding is accepted.
  if (absl::WebSafeBase64Escape(raw) != token) return VodTokenProblem::kMalformed;
  if (raw.size() < kHeaderBytes + 1 + kMacBytes) return VodTokenProblem::kMalformed;
  const absl::string_view all(raw);
  const absl::string_view body = all.substr(0, all.size() - kMacBytes);
  const absl::string_view mac = all.substr(body.size());
  const std::string want = Mac(body);
  if (sodium_memcmp(want.data(), mac.data(), kMacBytes) != 0) return VodTokenProblem::kForged;
  // Authentic; the checks below still guard against a leaked key.
  if (body[0] != kVersion) return VodTokenProblem::kMalformed;
  const auto scope = static_cast<uint8_t>(body[1]);
  if (scope != static_cast<uint8_t>(VodScope::kRecording) &&
      scope != static_cast<uint8_t>(VodScope::kClip)) {
    return VodTokenProblem::kMalformed;
  }
  const uint64_t expiry = GetU64(body.substr(2 + kNonceBytes));
  const uint64_t start = GetU64(body.substr(10 + kNonceBytes));
  const size_t rec_len = static_cast<unsigned char>(body[kHeaderBytes - 1]);
  if (body.size() < kHeaderBytes + rec_len) return VodTokenProblem::kMalformed;
  const absl::string_view rec = body.substr(kHeaderBytes, rec_len);
  const absl::string_view clip = body.substr(kHeaderBytes + rec_len);
  const bool is_clip = scope == static_cast<uint8_t>(VodScope::kClip);
  if (!ValidId(rec) || (is_clip ? !ValidId(clip) : !clip.empty()) || expiry > (uint64_t{1} << 40) ||
      start > (uint64_t{1} << 40)) {
    return VodTokenProblem::kMalformed;
  }
  out.scope = static_cast<VodScope>(scope);
  out.recording_id = std::string(rec);
  out.clip_id = std::string(clip);
  out.expires_at = absl::FromUnixSeconds(static_cast<int64_t>(expiry));
  out.start_ms = start == 0 ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(start - 1));
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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(absl::StatusCode::kNotFound, "KEY_FILE_UNREADABLE",
                 "cannot read the VOD token key file " + path);
  }
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return VodTokenCodec::Create(absl::StripTrailingAsciiWhitespace(key));
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
  }
  return "token_malformed";
}

}  // namespace shopcast::recording_lifecycle::playback
