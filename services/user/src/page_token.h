#pragma once

// Page tokens for follow lists, sealed by the shared tamper-evident codec (libs/pagetoken). A
// token names the list it belongs to, so one from a user's followers cannot be replayed against
// another list, and a client cannot forge a cursor.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "account.h"
#include "shopcast/pagetoken/codec.h"

namespace shopcast::user {

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

// 0 → default; 1..100 as is; otherwise INVALID_ARGUMENT/PAGE_SIZE_INVALID.
absl::StatusOr<int> EffectivePageSize(int requested);

std::string EncodeFollowToken(const pagetoken::Codec& codec, FollowDirection direction,
                              absl::string_view user_id, const FollowCursor& cursor);

// Empty token → start of the list. A token that is malformed, forged, from another list, or
// whose cursor is not a follow time and a user id is INVALID_ARGUMENT/PAGE_TOKEN_INVALID.
absl::StatusOr<FollowCursor> DecodeFollowToken(const pagetoken::Codec& codec,
                                               absl::string_view token, FollowDirection direction,
                                               absl::string_view user_id);

}  // namespace shopcast::user
