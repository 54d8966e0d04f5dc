#pragma once

// Look-alike detection with ICU's spoof checker (Unicode TS #39 confusable skeletons), so that
// "demo_admin" written with Cyrillic а/е/о, or as "DEMO ADMIN", is recognised as "demo_admin".

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace shopcast::text {

// A key under which texts that people would read as the same name are equal: case-folded
// (NFKC), without spaces, invisible characters and the separators "_", ".", "-", then mapped
// to its TS #39 confusable skeleton. Depends on ICU's confusables data, so a stored key is only
// comparable with keys from the same ICU version. "" if `s` is not valid UTF-8. For a
// lower-case name (a username) this is its only key.
std::string LookalikeKey(absl::string_view s);

// Every key `s` may be read under: LookalikeKey(s) first, and, when it differs, the key of `s`
// read before case folding (a capital I reads as l: "PAYPAI" reads as "paypal", not
// "paypai"). A name is confusable with another if any of its keys equals the other's key.
std::vector<std::string> LookalikeKeys(absl::string_view s);

}  // namespace shopcast::text
