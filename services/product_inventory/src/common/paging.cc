#include "common/paging.h"

#include <limits>

#include "shopcast/status/status.h"

namespace shopcast::product_inventory {

absl::StatusOr<int> PageSizeOf(const common::v1::PageRequest& page) {
  if (page.page_size() == 0) return kDefaultPageSize;
  if (page.page_size() < 0 || page.page_size() > kMaxPageSize) {
    return InvalidArgument("page.page_size", "PAGE_SIZE_INVALID", "page_size must be 0..100");
  }
  return page.page_size();
}

absl::StatusOr<pagetoken::Cursor> CursorOf(const pagetoken::Codec& codec, absl::string_view list,
                                           const common::v1::PageRequest& page) {
  if (page.page_token().empty()) {
    return pagetoken::Cursor{std::numeric_limits<int64_t>::max(), ""};
  }
  return codec.Decode(list, page.page_token());
}

}  // namespace shopcast::product_inventory
