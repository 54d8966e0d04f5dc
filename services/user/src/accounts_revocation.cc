// Stale authority: role changes, logout and account deletion void the user's (or one
// session's) access tokens in every service (README "Revocation").
#include <algorithm>

#include "accounts.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::user {

absl::Time Accounts::RevocationCutoff() const {
  // Tokens carry whole-second iat. Voiding "before the next whole second" voids every token
  // issued up to now, including earlier in this second; IssueAccess stamps later tokens with
  // at least that second, so one issued just after the revocation is not voided.
  return absl::FromUnixSeconds(absl::ToUnixSeconds(clock_()) + 1);
}

absl::StatusOr<auth::IssuedToken> Accounts::IssueAccess(absl::string_view user_id,
                                                        absl::string_view session_id,
                                                        absl::Time now) {
  // Role and cutoff from one snapshot: never a role from before a revocation with an iat
  // from after it.
  ASSIGN_OR_RETURN(IssueState state, store_.GetIssueState(user_id));
  return issuer_.Issue(user_id, state.role, std::max(now, state.not_before), session_id,
                       state.display_name);
}

absl::Status Accounts::DeleteAccount(const auth::Caller& caller, absl::string_view user_id) {
  RETURN_IF_ERROR(CheckUserId(user_id, "user_id"));
  RETURN_IF_ERROR(auth::RequireOwnerOrAdmin(caller, user_id));
  RETURN_IF_ERROR(store_.DeleteUser(user_id, RevocationCutoff()));
  log::Info("account_deleted").Kv("user_id", std::string(user_id)).Kv("by", caller.user_id);
  return absl::OkStatus();
}

absl::StatusOr<auth::RevocationBatch> Accounts::ListRevocations(int64_t after, int page_size) {
  if (after < 0) {
    return InvalidArgument("after_sequence", "SEQUENCE_INVALID", "after_sequence must be >= 0");
  }
  if (page_size < 0 || page_size > 1000) {
    return InvalidArgument("page_size", "PAGE_SIZE_INVALID", "page_size must be 0 to 1000");
  }
  const int limit = page_size == 0 ? 500 : page_size;
  // One more than asked tells whether another page follows.
  ASSIGN_OR_RETURN(std::vector<auth::Revocation> rows, store_.ListRevocations(after, limit + 1));
  auth::RevocationBatch batch;
  batch.more = static_cast<int>(rows.size()) > limit;
  if (batch.more) rows.resize(static_cast<size_t>(limit));
  batch.revocations = std::move(rows);
  return batch;
}

}  // namespace shopcast::user
