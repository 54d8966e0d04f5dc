#include "shopcast/signed_token/signed_token.h"

#include <sodium.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::signed_token {
namespace {

static_assert(kMacBytes == crypto_auth_hmacsha256_BYTES);

void EnsureSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

bool IsBase64UrlChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

}  // namespace

std::optional<Signer> Signer::FromSecret(absl::string_view secret) {
  if (secret.size() < kMinSecretBytes) return std::nullopt;
  EnsureSodium();
  return Signer(std::string(secret));
}

Signer Signer::WithRandomSecret() {
  EnsureSodium();
  std::string secret(kMinSecretBytes, '\0');
  randombytes_buf(secret.data(), secret.size());
  return Signer(std::move(secret));
}

std::string Signer::Mac(std::initializer_list<absl::string_view> covered,
                        absl::string_view body) const {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  for (absl::string_view part : covered) {
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  }
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  std::string mac(kMacBytes, '\0');
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

std::string Signer::Sign(std::initializer_list<absl::string_view> covered,
                         absl::string_view body) const {
  std::string raw(body);
  raw += Mac(covered, body);
  return absl::WebSafeBase64Escape(raw);
}

Problem Signer::Open(std::initializer_list<absl::string_view> covered, absl::string_view token,
                     size_t max_chars, size_t min_body, std::string* body) const {
  // Bounded before any work: a query value can be as long as the request head allows.
  if (token.empty() || token.size() > max_chars) return Problem::kMalformed;
  for (char c : token) {
    if (!IsBase64UrlChar(c)) return Problem::kMalformed;
  }
  // Unpadded base64url never leaves one character over.
  if (token.size() % 4 == 1) return Problem::kMalformed;
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return Problem::kMalformed;
  // One spelling per token: absl ignores the unused low bits of the last character, so "…A" and
  // "…B" could both decode to the same bytes. Only the encoding Sign writes is accepted.
  if (absl::WebSafeBase64Escape(raw) != token) return Problem::kMalformed;
  if (raw.size() < kMacBytes + min_body || raw.size() <= kMacBytes) return Problem::kMalformed;
  const absl::string_view all(raw);
  const absl::string_view signed_body = all.substr(0, all.size() - kMacBytes);
  const std::string want = Mac(covered, signed_body);
  if (sodium_memcmp(want.data(), all.data() + signed_body.size(), kMacBytes) != 0) {
    return Problem::kForged;
  }
  body->assign(signed_body.data(), signed_body.size());
  return Problem::kNone;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(absl::StatusCode::kNotFound, "KEY_FILE_UNREADABLE",
                 absl::StrCat("cannot read the ", what, " key file ", path));
  }
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StripTrailingAsciiWhitespace(&secret);
  return secret;
}

void AppendU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t ReadU64(absl::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

bool IsTokenId(absl::string_view id, size_t max_bytes) {
  if (id.empty() || id.size() > max_bytes) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace shopcast::signed_token
