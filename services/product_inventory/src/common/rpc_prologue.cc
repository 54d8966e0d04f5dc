#include "common/rpc_prologue.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shopcast/ids/ids.h"

namespace shopcast::product_inventory {

absl::StatusOr<auth::Caller> CallerAuth::Authenticate(
    const grpc::CallbackServerContext& ctx) const {
  return auth::AuthenticateCaller(ctx, verifier_, revoked_, absl::Now());
}

absl::StatusOr<std::optional<auth::Caller>> CallerAuth::MaybeAuthenticate(
    const grpc::CallbackServerContext& ctx) const {
  if (ctx.client_metadata().find("authorization") == ctx.client_metadata().end()) {
    return std::optional<auth::Caller>();
  }
  ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(ctx));
  return std::optional<auth::Caller>(std::move(caller));
}

absl::StatusOr<auth::Caller> CallerAuth::AuthenticateAs(const grpc::CallbackServerContext& ctx,
                                                        auth::Role role) const {
  ASSIGN_OR_RETURN(auth::Caller caller, Authenticate(ctx));
  RETURN_IF_ERROR(auth::RequireRole(caller, role));
  return caller;
}

absl::Status CheckId(const std::string& id, absl::string_view prefix, absl::string_view field,
                     absl::string_view not_found_reason) {
  if (id.empty()) return InvalidArgument(field, "ID_REQUIRED", absl::StrCat(field, " is required"));
  if (!ids::IsValidId(id, prefix)) return NotFound(not_found_reason, "no such id");
  return absl::OkStatus();
}

absl::Status CheckIdempotencyKey(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 64;
  for (char c : key) ok = ok && c >= 0x21 && c <= 0x7e;
  if (ok) return absl::OkStatus();
  return InvalidArgument("idempotency_key", "IDEMPOTENCY_KEY_INVALID",
                         "idempotency_key is 1..64 printable ASCII characters");
}

absl::Duration DurationOf(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::Status RequireProductOwner(const auth::Caller& caller, absl::string_view seller_id,
                                 absl::string_view message) {
  if (caller.user_id == seller_id || caller.role == auth::Role::kAdmin) return absl::OkStatus();
  return PermissionDenied("NOT_PRODUCT_OWNER", message);
}

}  // namespace shopcast::product_inventory
