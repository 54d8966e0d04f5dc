#pragma once

// Tokens a client holds but cannot forge: a body the caller lays out (claims, a cursor) in the
// clear, followed by an HMAC-SHA-256 (libsodium) under a server secret that every replica
// shares, the whole as unpadded base64url. What the MAC covers besides the body (a domain
// label, a list name) is the caller's choice, so a secret shared by mistake between two uses
// cannot turn one use's tokens into the other's. Used by libs/pagetoken, video-ingest's
// playback tokens and recording-lifecycle's VOD tokens; each keeps its own layout and errors.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shopcast::signed_token {

inline constexpr size_t kMinSecretBytes = 32;
inline constexpr size_t kMacBytes = 32;

// What is wrong with a presented token, before its body is read.
enum class Problem {
  kNone,
  kMalformed,  // empty, too long, not canonical unpadded base64url, shorter than a MAC and a body
  kForged,     // the MAC does not match: another secret, another domain, or altered
};

class Signer {
 public:
  // nullopt when `secret` is shorter than kMinSecretBytes (callers answer with their own
  // reason, e.g. PAGE_TOKEN_KEY_INVALID).
  static std::optional<Signer> FromSecret(absl::string_view secret);
  // A fresh random secret: tokens die with the process (tests, one replica).
  static Signer WithRandomSecret();

  // base64url(body ‖ HMAC(secret, covered… ‖ body)), unpadded.
  std::string Sign(std::initializer_list<absl::string_view> covered, absl::string_view body) const;

  // The body of `token` if this signer made it with the same `covered` parts. Bounded before any
  // work: at most `max_chars` characters; only the canonical encoding (one spelling per token,
  // as Sign writes it); at least `min_body` body bytes; the MAC compared in constant time.
  Problem Open(std::initializer_list<absl::string_view> covered, absl::string_view token,
               size_t max_chars, size_t min_body, std::string* body) const;

 private:
  explicit Signer(std::string secret) : secret_(std::move(secret)) {}
  std::string Mac(std::initializer_list<absl::string_view> covered, absl::string_view body) const;

  std::string secret_;
};

// The bytes of a secret file (a Kubernetes Secret, tools/dev's .local/keys/…) less trailing
// whitespace. NOT_FOUND/KEY_FILE_UNREADABLE naming `what` ("page token") and the path; the
// secret itself never appears in a message.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path, absl::string_view what);

// Big-endian fixed-width integers inside token bodies.
void AppendU64(uint64_t v, std::string* out);
// The first 8 bytes of `in` (which must hold them).
uint64_t ReadU64(absl::string_view in);

// 1..max_bytes of printable ASCII without spaces: the ids we generate (str_…, usr_…).
bool IsTokenId(absl::string_view id, size_t max_bytes);

}  // namespace shopcast::signed_token
