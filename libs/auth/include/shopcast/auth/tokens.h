#pragma once

// ES256 JWT access tokens. The user service issues them; every service verifies them locally
// with the public keys, so no call to the user service sits on any request path.

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
// Thread-safe (const after construction).
class TokenVerifier {
 public:
  // Keys with a duplicate kid after the first are ignored. `leeway` absorbs clock skew.
  TokenVerifier(std::vector<PublicKey> keys, std::string issuer, std::string audience,
                absl::Duration leeway = absl::Seconds(30));

  // The claims of a valid ES256 token signed by a known key, for our issuer and audience, at
  // `now`; otherwise UNAUTHENTICATED with reason TOKEN_MALFORMED, TOKEN_ALG_NOT_ALLOWED,
  // TOKEN_UNKNOWN_KEY, TOKEN_BAD_SIGNATURE, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID,
  // TOKEN_WRONG_ISSUER or TOKEN_WRONG_AUDIENCE. A "sid" is optional, but when present must be
  // a non-empty string (else TOKEN_MALFORMED); a "name" is optional, and a string when present
  // (else TOKEN_MALFORMED). The token never appears in the error.
  absl::StatusOr<Claims> Verify(absl::string_view token, absl::Time now) const;

 private:
  absl::flat_hash_map<std::string, std::string> public_pem_by_kid_;
  std::string issuer_;
  std::string audience_;
  absl::Duration leeway_;
};

}  // namespace shopcast::auth
