#pragma once

// ES256 JWT access tokens. The user service issues them; every service verifies them locally
// with the public keys, so no call to the user service sits on any request path.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/roles.h"

namespace shopcast::auth {

// Tokens longer than this are rejected unread (ours are well under 1 KiB).
inline constexpr size_t kMaxTokenBytes = 8 * 1024;

// The longest access-token lifetime an issuer may be configured with. Verifiers rely on it to
// bound what they remember about revoked sessions (revocations.h).
inline constexpr absl::Duration kMaxAccessTokenTtl = absl::Hours(24);

// The verified content of an access token.
struct Claims {
  std::string subject;    // user id ("sub")
  Role role;              // "role"
  std::string token_id;   // "jti"
  absl::Time issued_at;   // "iat"
  absl::Time expires_at;  // "exp"
  // "sid": the login session (the user service's refresh-token family) the token was issued
  // for; "" for a token without one, which only a per-user revocation can void.
  std::string session_id;
  // "name": the user's display name when the token was issued, for services that show who did
  // something (chat authors) without a lookup; "" when absent. May be stale until the next
  // refresh.
  std::string name;
};

struct IssuedToken {
  std::string token;
  absl::Time expires_at;
};

// Signs access tokens with one key. Thread-safe (const after construction).
class TokenIssuer {
 public:
  TokenIssuer(SigningKey key, std::string issuer, std::string audience, absl::Duration ttl);

  // A token for `subject` with `role`, valid from `now` (truncated to seconds) for the TTL,
  // carrying `session_id` as "sid" and `name` as "name" unless empty; Internal if signing fails
  // (a bad key).
  absl::StatusOr<IssuedToken> Issue(absl::string_view subject, Role role, absl::Time now,
                                    absl::string_view session_id = {},
                                    absl::string_view name = {}) const;

  const SigningKey& key() const { return key_; }

 private:
  SigningKey key_;
  std::string issuer_;
  std::string audience_;
  absl::Duration ttl_;
};

// Verifies access tokens against a fixed set of public keys (old and new during a rotation).
// Thread-safe.
//
// Every authenticated RPC verifies its caller's token, and a buyer sends the same token with
// every call until it expires: checking the ECDSA signature (and decoding the key libjwt wants
// as PEM) each time cost ~0.8 ms of CPU per call, the ceiling of a flash sale's Reserve rate.
// So a token whose signature, issuer, audience and claims were verified once is remembered by
// its exact bytes (the keys are fixed, so its verdict cannot change); later calls only check
// its times against `now`. The memory is bounded (kVerifiedCacheSize tokens, dropped when
// full); revocation is the caller's separate check (revocations.h), so it is never cached.
class TokenVerifier {
 public:
  // Tokens remembered as verified, at most.
  static constexpr size_t kVerifiedCacheSize = 16384;

  // Keys with a duplicate kid after the first are ignored. `leeway` absorbs clock skew.
  TokenVerifier(std::vector<PublicKey> keys, std::string issuer, std::string audience,
                absl::Duration leeway = absl::Seconds(30));
  ~TokenVerifier();

  // The claims of a valid ES256 token signed by a known key, for our issuer and audience, at
  // `now`; otherwise UNAUTHENTICATED with reason TOKEN_MALFORMED, TOKEN_ALG_NOT_ALLOWED,
  // TOKEN_UNKNOWN_KEY, TOKEN_BAD_SIGNATURE, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID,
  // TOKEN_WRONG_ISSUER or TOKEN_WRONG_AUDIENCE. A "sid" is optional, but when present must be
  // a non-empty string (else TOKEN_MALFORMED); a "name" is optional, and a string when present
  // (else TOKEN_MALFORMED). The token never appears in the error.
  absl::StatusOr<Claims> Verify(absl::string_view token, absl::Time now) const;

 private:
  // What a token's signature and claims say, whatever the time.
  struct Verified {
    Claims claims;
    std::optional<absl::Time> not_before;
  };
  class VerifiedCache;

  // Everything Verify checks but the times.
  absl::StatusOr<Verified> VerifyUntimed(absl::string_view token) const;
  // Verify's time checks of `v` at `now`.
  absl::StatusOr<Claims> CheckTimes(const Verified& v, absl::Time now) const;

  absl::flat_hash_map<std::string, std::string> public_pem_by_kid_;
  std::string issuer_;
  std::string audience_;
  absl::Duration leeway_;
  std::unique_ptr<VerifiedCache> verified_;
};

}  // namespace shopcast::auth
