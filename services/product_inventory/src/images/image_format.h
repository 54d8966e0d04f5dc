#pragma once

// The upload formats accepted for product photos and the outputs made from them.

#include <cstdint>
#include <optional>
#include <span>

#include "absl/strings/string_view.h"

namespace shopcast::product_inventory::images {

enum class SourceFormat { kJpeg, kPng, kWebp };

// What renditions are encoded as.
enum class OutputFormat { kWebp, kJpeg };

// The format the leading magic bytes say, or nullopt for anything else (GIF, BMP, SVG, TIFF,
// HEIF, text, ...). Only the first bytes are looked at; the decoder checks the rest.
std::optional<SourceFormat> SniffFormat(std::span<const uint8_t> bytes);

absl::string_view FormatName(SourceFormat format);     // "jpeg", "png", "webp"
absl::string_view MimeType(OutputFormat format);       // "image/webp", "image/jpeg"
absl::string_view FileExtension(OutputFormat format);  // "webp", "jpg"

}  // namespace shopcast::product_inventory::images
