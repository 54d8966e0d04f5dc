#pragma once

// Access tokens checked at the edge, before anything is forwarded: the signature against the
// user service's public keys (fetched with GetSigningKeys, cached, fetched again — at most once
// per few seconds — when a token names an unknown `kid`), `iss`/`aud`/`exp`, and the revocation
// list. The services behind the gateway verify again; the edge check is what lets the gateway
// rate-limit per user, refuse forged tokens without a downstream call, and sign WebSocket
// connections in.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/auth/tokens.h"

namespace shopcast::gateway {

class AccessCheck {
 public:
  virtual ~AccessCheck() = default;
  // UNAUTHENTICATED with the libs/auth reasons (TOKEN_EXPIRED, TOKEN_UNKNOWN_KEY, TOKEN_REVOKED…)
  // when the token does not pass. Thread-safe; may block briefly (a key fetch with a short
  // deadline) only when the token names a key not yet known — call it off the I/O threads.
  virtual absl::StatusOr<auth::Claims> Verify(absl::string_view access_token, absl::Time now) = 0;
  // Whether the revocation list now voids `claims` of a token accepted earlier (a logout, a
  // password change, an account deleted since): TOKEN_REVOKED then. Cheap (no signature check),
  // thread-safe, never blocks. Without a revocation list: OK.
  virtual absl::Status CheckRevoked(const auth::Claims& claims) {
    (void)claims;
    return absl::OkStatus();
  }
  // Moves on whenever the revocation list learns of revocations (so holders of accepted tokens
  // know when to ask CheckRevoked again); 0 without a list.
  virtual int64_t RevocationSequence() const { return 0; }
};

}  // namespace shopcast::gateway
