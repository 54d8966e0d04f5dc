#include "page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shopcast/status/status.h"

namespace shopcast::user {
namespace {

const char* Tag(FollowDirection d) { return d == FollowDirection::kFollowers ? "fr" : "fg"; }

absl::Status BadToken() {
  return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "page token is not valid");
}

}  // namespace

absl::StatusOr<int> EffectivePageSize(int requested) {
  if (requested == 0) return kDefaultPageSize;
  if (requested < 0 || requested > kMaxPageSize) {
    return InvalidArgument("page.page_size", "PAGE_SIZE_INVALID",
                           "page size must be between 0 and 100");
  }
  return requested;
}

std::string EncodeFollowToken(FollowDirection direction, absl::string_view user_id,
                              const FollowCursor& cursor) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1|", Tag(direction), "|", user_id, "|",
                                                cursor.created_micros, "|", cursor.user_id));
}

absl::StatusOr<FollowCursor> DecodeFollowToken(absl::string_view token,
                                               FollowDirection direction,
                                               absl::string_view user_id) {
  if (token.empty()) return FollowCursor{};
  if (token.size() > kMaxPageTokenBytes) return BadToken();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return BadToken();
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  if (parts.size() != 5 || parts[0] != "v1" || parts[1] != Tag(direction) ||
      parts[2] != user_id) {
    return BadToken();
  }
  FollowCursor c;
  if (!absl::SimpleAtoi(parts[3], &c.created_micros)) return BadToken();
  c.user_id = parts[4];
  return c;
}

}  // namespace shopcast::user
