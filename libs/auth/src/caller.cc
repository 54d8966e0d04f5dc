#include "shopcast/auth/caller.h"

#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::auth {

absl::StatusOr<std::string> BearerTokenFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  // gRPC lower-cases metadata keys on the wire, so the exact key is enough.
  auto [first, last] = metadata.equal_range("authorization");
  if (first == last) return shopcast::Unauthenticated("TOKEN_MISSING", "no access token");
  if (std::next(first) != last) {
    return shopcast::Unauthenticated("TOKEN_MALFORMED", "more than one authorization entry");
  }
  absl::string_view value =
      absl::StripAsciiWhitespace(absl::string_view(first->second.data(), first->second.size()));
  if (value.empty()) return shopcast::Unauthenticated("TOKEN_MISSING", "no access token");
  size_t space = value.find(' ');
  if (space == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(value.substr(0, space), "bearer")) {
    return shopcast::Unauthenticated("TOKEN_MALFORMED", "authorization must be 'Bearer <token>'");
  }
  absl::string_view token = absl::StripLeadingAsciiWhitespace(value.substr(space + 1));
  if (token.empty()) return shopcast::Unauthenticated("TOKEN_MISSING", "no access token");
  for (char c : token) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      return shopcast::Unauthenticated("TOKEN_MALFORMED", "authorization must be 'Bearer <token>'");
    }
  }
  return std::string(token);
}

absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& ctx,
                                          const TokenVerifier& verifier, absl::Time now) {
  return AuthenticateCaller(ctx, verifier, nullptr, now);
}

absl::StatusOr<Claims> AuthenticateClaims(const grpc::ServerContextBase& ctx,
                                          const TokenVerifier& verifier,
                                          const RevocationList* revoked, absl::Time now) {
  ASSIGN_OR_RETURN(std::string token, BearerTokenFromMetadata(ctx.client_metadata()));
  ASSIGN_OR_RETURN(Claims claims, verifier.Verify(token, now));
  if (revoked != nullptr) RETURN_IF_ERROR(revoked->Check(claims));
  return claims;
}

absl::StatusOr<Caller> AuthenticateCaller(const grpc::ServerContextBase& ctx,
                                          const TokenVerifier& verifier,
                                          const RevocationList* revoked, absl::Time now) {
  ASSIGN_OR_RETURN(Claims claims, AuthenticateClaims(ctx, verifier, revoked, now));
  return Caller{std::move(claims.subject), claims.role};
}

absl::Status RequireRole(const Caller& caller, Role at_least) {
  if (static_cast<int>(caller.role) >= static_cast<int>(at_least)) return absl::OkStatus();
  return shopcast::PermissionDenied("ROLE_REQUIRED",
                                    absl::StrCat("requires the ", RoleName(at_least), " role"));
}

absl::Status RequireOwnerOrAdmin(const Caller& caller, absl::string_view owner_user_id) {
  if (caller.role == Role::kAdmin) return absl::OkStatus();
  if (!owner_user_id.empty() && caller.user_id == owner_user_id) return absl::OkStatus();
  return shopcast::PermissionDenied("NOT_OWNER", "only the owner or an admin may do this");
}

}  // namespace shopcast::auth
