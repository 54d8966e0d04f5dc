#include "page_token.h"

#include "absl/strings/str_cat.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::user {
namespace {

std::string ListName(FollowDirection d, absl::string_view user_id) {
  return absl::StrCat(d == FollowDirection::kFollowers ? "followers;" : "following;", user_id);
}

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

std::string EncodeFollowToken(const pagetoken::Codec& codec, FollowDirection direction,
                              absl::string_view user_id, const FollowCursor& cursor) {
  return codec.Encode(ListName(direction, user_id),
                      pagetoken::Cursor{cursor.created_micros, cursor.user_id});
}

absl::StatusOr<FollowCursor> DecodeFollowToken(const pagetoken::Codec& codec,
                                               absl::string_view token, FollowDirection direction,
                                               absl::string_view user_id) {
  if (token.empty()) return FollowCursor{};
  ASSIGN_OR_RETURN(pagetoken::Cursor c, codec.Decode(ListName(direction, user_id), token));
  // Only we make tokens, but a cursor is checked as if it came from a client: a leaked key must
  // not turn into a database error.
  if (c.key < 0 || !ids::IsValidId(c.id, "usr")) return BadToken();
  return FollowCursor{c.key, std::move(c.id)};
}

}  // namespace shopcast::user
