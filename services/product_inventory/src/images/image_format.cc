#include "images/image_format.h"

#include <algorithm>

namespace shopcast::product_inventory::images {
namespace {

bool StartsWith(std::span<const uint8_t> bytes, size_t offset, absl::string_view magic) {
  if (bytes.size() < offset + magic.size()) return false;
  return std::equal(magic.begin(), magic.end(), bytes.begin() + offset,
                    [](char m, uint8_t b) { return static_cast<uint8_t>(m) == b; });
}

}  // namespace

std::optional<SourceFormat> SniffFormat(std::span<const uint8_t> bytes) {
  // JPEG: SOI then the first marker's 0xFF (every JFIF/EXIF/raw JPEG starts FF D8 FF).
  if (StartsWith(bytes, 0, "\xFF\xD8\xFF")) return SourceFormat::kJpeg;
  // PNG: the fixed 8-byte signature followed by the IHDR chunk, which must come first.
  if (StartsWith(bytes, 0, "\x89PNG\r\n\x1A\n") && StartsWith(bytes, 12, "IHDR")) {
    return SourceFormat::kPng;
  }
  // WebP: a RIFF container of form type WEBP whose first chunk is one of the three WebP ones.
  if (StartsWith(bytes, 0, "RIFF") && StartsWith(bytes, 8, "WEBP") &&
      (StartsWith(bytes, 12, "VP8 ") || StartsWith(bytes, 12, "VP8L") ||
       StartsWith(bytes, 12, "VP8X"))) {
    return SourceFormat::kWebp;
  }
  return std::nullopt;
}

absl::string_view FormatName(SourceFormat format) {
  switch (format) {
    case SourceFormat::kJpeg:
      return "jpeg";
    case SourceFormat::kPng:
      return "png";
    case SourceFormat::kWebp:
      return "webp";
  }
  return "unknown";
}

absl::string_view MimeType(OutputFormat format) {
  return format == OutputFormat::kWebp ? "image/webp" : "image/jpeg";
}

absl::string_view FileExtension(OutputFormat format) {
  return format == OutputFormat::kWebp ? "webp" : "jpg";
}

}  // namespace shopcast::product_inventory::images
