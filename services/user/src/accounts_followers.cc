// Followers for go-live notifications (UserInternalService.ListFollowerContacts): a notifier
// pages through every follower of a host with a cursor on the follower id, so it can stop and
// resume after a crash without repeating or skipping anyone who stayed a follower. And the
// contacts of given users (GetUserContacts), for notices about their own orders and sales.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "accounts.h"
#include "shopcast/status/status.h"

namespace shopcast::user {
namespace {

constexpr int kDefaultContactLimit = 500;
constexpr int kMaxContactLimit = 1000;
constexpr int kMaxUserContacts = 100;

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

absl::StatusOr<std::vector<FollowerContact>> Accounts::GetUserContacts(
    const std::vector<std::string>& user_ids) {
  if (user_ids.empty() || user_ids.size() > static_cast<size_t>(kMaxUserContacts)) {
    return InvalidArgument("user_ids", "USER_IDS_COUNT_INVALID", "user_ids must hold 1 to 100 ids");
  }
  std::vector<std::string> distinct;
  distinct.reserve(user_ids.size());
  for (size_t i = 0; i < user_ids.size(); ++i) {
    RETURN_IF_ERROR(CheckUserId(user_ids[i], absl::StrCat("user_ids[", i, "]")));
    distinct.push_back(user_ids[i]);
  }
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  return store_.GetUserContacts(distinct);
}

}  // namespace shopcast::user
