#pragma once

// Page sizes and sealed keyset cursors for every list of this service (libs/pagetoken).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shopcast/common/v1/page.pb.h"
#include "shopcast/pagetoken/codec.h"

namespace shopcast::product_inventory {

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

// 0 = kDefaultPageSize; 1..kMaxPageSize as asked; anything else INVALID_ARGUMENT
// PAGE_SIZE_INVALID on page.page_size.
absl::StatusOr<int> PageSizeOf(const common::v1::PageRequest& page);

// The cursor of `page.page_token` for `list` (which names the list and its filters), or a
// cursor with key INT64_MAX for the first page. INVALID_ARGUMENT PAGE_TOKEN_INVALID otherwise.
absl::StatusOr<pagetoken::Cursor> CursorOf(const pagetoken::Codec& codec, absl::string_view list,
                                           const common::v1::PageRequest& page);

}  // namespace shopcast::product_inventory
