#pragma once

// The first lines of the service's RPCs: who calls, in which role, about which id, and for an
// owner-only RPC on a product, whether the product is the caller's. The areas share them so
// they refuse the same input with the same status and reason.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/caller.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory {

// Callers from their bearer tokens, checked against the area's verifier and revocations.
class CallerAuth {
 public:
  // `verifier` and `revoked` (may be null) outlive it.
  CallerAuth(const auth::TokenVerifier& verifier, const auth::RevocationList* revoked)
      : verifier_(verifier), revoked_(revoked) {}

  // The signed-in caller; UNAUTHENTICATED otherwise.
  absl::StatusOr<auth::Caller> Authenticate(const grpc::CallbackServerContext& ctx) const;
  // As Authenticate, but nullopt (not an error) for a call without any token.
  absl::StatusOr<std::optional<auth::Caller>> MaybeAuthenticate(
      const grpc::CallbackServerContext& ctx) const;
  // As Authenticate, then PERMISSION_DENIED ROLE_REQUIRED below `role` (auth::RequireRole).
  absl::StatusOr<auth::Caller> AuthenticateAs(const grpc::CallbackServerContext& ctx,
                                              auth::Role role) const;

 private:
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
};

// INVALID_ARGUMENT ID_REQUIRED on `field` when `id` is empty; NOT_FOUND `not_found_reason`
// when it is not a `prefix`_ id (a malformed id names nothing, as an unknown one: ids stay
// opaque).
absl::Status CheckId(const std::string& id, absl::string_view prefix, absl::string_view field,
                     absl::string_view not_found_reason);

// INVALID_ARGUMENT IDEMPOTENCY_KEY_INVALID unless `key` is 1..64 printable ASCII characters.
absl::Status CheckIdempotencyKey(const std::string& key);

absl::Duration DurationOf(const google::protobuf::Duration& d);

// PERMISSION_DENIED NOT_PRODUCT_OWNER (`message`) unless `caller` is `seller_id` or an admin.
absl::Status RequireProductOwner(const auth::Caller& caller, absl::string_view seller_id,
                                 absl::string_view message);

// A host's call about one of their products, past the prologue.
template <typename Facts>
struct OwnerCall {
  auth::Caller caller;
  Facts facts;  // As `load` read them.
};

// The prologue of an RPC only a product's host (or an admin) may call: a host caller, a valid
// `product_id` (NOT_FOUND PRODUCT_NOT_FOUND otherwise), the product's facts from `load` (which
// has a `seller_id`), and RequireProductOwner with `not_owner`. The first refusal otherwise.
template <typename Facts>
absl::StatusOr<OwnerCall<Facts>> OwnerPrologue(
    const CallerAuth& callers, const grpc::CallbackServerContext& ctx,
    const std::string& product_id,
    const std::function<absl::StatusOr<Facts>(const std::string&)>& load,
    absl::string_view not_owner) {
  ASSIGN_OR_RETURN(auth::Caller caller, callers.AuthenticateAs(ctx, auth::Role::kHost));
  RETURN_IF_ERROR(CheckId(product_id, "prd", "product_id", "PRODUCT_NOT_FOUND"));
  ASSIGN_OR_RETURN(Facts facts, load(product_id));
  RETURN_IF_ERROR(RequireProductOwner(caller, facts.seller_id, not_owner));
  return OwnerCall<Facts>{std::move(caller), std::move(facts)};
}

}  // namespace shopcast::product_inventory
