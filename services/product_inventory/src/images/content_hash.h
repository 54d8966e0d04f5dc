#pragma once

// Content addresses for renditions.

#include <string>

#include "absl/strings/string_view.h"

namespace shopcast::product_inventory::images {

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(absl::string_view bytes);

}  // namespace shopcast::product_inventory::images
