#pragma once

// The reasons an uploaded image is refused, as carried by shopcast::ReasonOf(). All are
// INVALID_ARGUMENT on the field kImageField: the upload itself is wrong, so a retry of the same
// bytes fails the same way.

namespace shopcast::product_inventory::images {

// The request field the image errors are about.
inline constexpr char kImageField[] = "image";

// Not JPEG, PNG or WebP (by magic bytes and by the decoder's own sniffing), or the two disagree.
inline constexpr char kImageFormatUnsupported[] = "IMAGE_FORMAT_UNSUPPORTED";
// More bytes than the upload limit; refused before anything looks inside.
inline constexpr char kImageTooLarge[] = "IMAGE_TOO_LARGE";
// The header declares a width, height or pixel count above the limits (decompression bombs).
inline constexpr char kImageDimensionsTooLarge[] = "IMAGE_DIMENSIONS_TOO_LARGE";
// Smaller than the smallest picture worth showing (a 1x1 tracking pixel, an empty frame).
inline constexpr char kImageDimensionsTooSmall[] = "IMAGE_DIMENSIONS_TOO_SMALL";
// The header or the pixel data is malformed or truncated.
inline constexpr char kImageCorrupt[] = "IMAGE_CORRUPT";
// No bytes at all.
inline constexpr char kImageEmpty[] = "IMAGE_EMPTY";

}  // namespace shopcast::product_inventory::images
