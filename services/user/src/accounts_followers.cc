// Followers for go-live notifications (UserInternalService.ListFollowerContacts): a notifier
// pages through every follower of a host with a cursor on the follower id, so it can stop and
// resume after a crash without repeating or skipping anyone who stayed a follower.
#include "accounts.h"
#include "shopcast/status/status.h"

namespace shopcast::user {
namespace {

constexpr int kDefaultContactLimit = 500;
constexpr int kMaxContactLimit = 1000;

}  // namespace

absl::StatusOr<FollowerContactPage> Accounts::ListFollowerContacts(absl::string_view host_id,
                                                                   absl::string_view after_user_id,
                                                                   int limit) {
  RETURN_IF_ERROR(CheckUserId(host_id, "host_id"));
  if (!after_user_id.empty()) RETURN_IF_ERROR(CheckUserId(after_user_id, "after_user_id"));
  if (limit < 0 || limit > kMaxContactLimit) {
    return InvalidArgument("limit", "LIMIT_INVALID", "limit must be 0 (500) to 1000");
  }
  const int effective = limit == 0 ? kDefaultContactLimit : limit;
  // One more than asked tells whether another page follows. An unknown host simply has no
  // follows: it may have been deleted since it went live, which is not the caller's error.
  ASSIGN_OR_RETURN(std::vector<FollowerContact> rows,
                   store_.ListFollowerContacts(host_id, after_user_id, effective + 1));
  FollowerContactPage page;
  if (static_cast<int>(rows.size()) > effective) {
    rows.resize(static_cast<size_t>(effective));
    page.next_after_user_id = rows.back().user_id;
  }
  page.followers = std::move(rows);
  return page;
}

}  // namespace shopcast::user
