#pragma once

// The title of a personal notification that names a product (queue offers, auction wins): the
// product's name after a prefix when it fits realtime-push's Notify rule, else a generic title.
// Header-only, so the pure rules libraries that write notices need nothing more than
// shopcast::text.

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "shopcast/text/utf8.h"

namespace shopcast::product_inventory {

// `prefix` + `name` when `name` is not empty and the two fit in 120 characters, else
// `fallback`.
inline std::string TitleNaming(absl::string_view prefix, absl::string_view name,
                               absl::string_view fallback) {
  constexpr int64_t kMaxTitleChars = 120;  // realtime-push's Notify rule
  const int64_t name_chars = text::CodePointCount(name);
  if (name_chars > 0 && name_chars + text::CodePointCount(prefix) <= kMaxTitleChars) {
    return absl::StrCat(prefix, name);
  }
  return std::string(fallback);
}

}  // namespace shopcast::product_inventory
