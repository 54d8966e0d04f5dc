#pragma once

// Opaque page tokens for follow lists. A token names the list it belongs to, so a token from
// one user's followers cannot be replayed against another list.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "account.h"

namespace shopcast::user {

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
inline constexpr size_t kMaxPageTokenBytes = 512;

// 0 → default; 1..100 as is; otherwise INVALID_ARGUMENT/PAGE_SIZE_INVALID.
absl::StatusOr<int> EffectivePageSize(int requested);

std::string EncodeFollowToken(FollowDirection direction, absl::string_view user_id,
                              const FollowCursor& cursor);

// Empty token → start of the list. A token that is malformed or from another list is
// INVALID_ARGUMENT/PAGE_TOKEN_INVALID.
absl::StatusOr<FollowCursor> DecodeFollowToken(absl::string_view token,
                                               FollowDirection direction,
                                               absl::string_view user_id);

}  // namespace shopcast::user
