#pragma once

// The gRPC edge of authentication: who is calling, and may they do this.

#include <grpcpp/server_context.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/tokens.h"

namespace shopcast::auth {

// An authenticated caller.
struct Caller {
  std::string user_id;
  Role role;
};

// The token of the single `authorization: Bearer <token>` entry (scheme case-insensitive);
// UNAUTHENTICATED with TOKEN_MISSING if there is none, TOKEN_MALFORMED if it is not one Bearer.
absl::StatusOr<std::string> BearerTokenFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// The caller named by the request's verified bearer token; UNAUTHENTICATED otherwise.
absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& ctx,
                                          const TokenVerifier& verifier, absl::Time now);
// As above, and UNAUTHENTICATED TOKEN_REVOKED if `revoked` (when not null) voids the token.
absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& ctx,
                                          const TokenVerifier& verifier,
                                          const RevocationList* revoked, absl::Time now);

// As above, but all the verified claims (e.g. the display name), for handlers that need more
// than who is calling.
absl::StatusOr<Claims> AuthenticateClaims(const grpc::ServerContextBase& ctx,
                                          const TokenVerifier& verifier,
                                          const RevocationList* revoked, absl::Time now);

// OK if the caller's role is `at_least` or higher; else PERMISSION_DENIED ROLE_REQUIRED.
absl::Status RequireRole(const Caller& caller, Role at_least);

// OK if the caller is `owner_user_id` or an admin; else PERMISSION_DENIED NOT_OWNER.
absl::Status RequireOwnerOrAdmin(const Caller& caller, absl::string_view owner_user_id);

}  // namespace shopcast::auth
