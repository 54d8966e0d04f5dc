#pragma once

// Turns an uploaded product photo into clean renditions: the format is sniffed and checked,
// the limits are enforced from the header before any pixel is decoded, the pixels are decoded
// strictly, turned upright by their EXIF orientation, converted to sRGB and copied out of the
// decoder so that nothing but pixels survives (no EXIF, XMP, ICC, comments, text chunks or
// trailing bytes), then re-encoded at each configured size. Pure: no database, no disk.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "images/image_format.h"

namespace shopcast::product_inventory::images {

struct ImageLimits {
  // Upload size; checked before the bytes are looked at (IMAGE_TOO_LARGE).
  size_t max_upload_bytes = 20 * 1024 * 1024;
  // Declared width and height, each (IMAGE_DIMENSIONS_TOO_LARGE). Phone photos are ~8000 px.
  int max_side = 12000;
  // Declared width x height: bounds the decoder's memory at ~4 bytes a pixel
  // (IMAGE_DIMENSIONS_TOO_LARGE). 50 MP covers today's phone cameras.
  int64_t max_pixels = 50'000'000;
  // Smallest width and height worth showing (IMAGE_DIMENSIONS_TOO_SMALL).
  int min_side = 16;
};

// One size the web app shows: fitted inside long_side x long_side, never upscaled.
struct RenditionSpec {
  std::string name;
  int long_side = 0;
};

// thumbnail 160, card 480, full 1280 (the sizes of the web app's product list, card and page).
std::vector<RenditionSpec> DefaultRenditions();

struct ProcessorOptions {
  ImageLimits limits;
  std::vector<RenditionSpec> renditions = DefaultRenditions();
  // Every rendition is made in each of these; WebP for browsers, JPEG as the fallback.
  std::vector<OutputFormat> formats = {OutputFormat::kWebp, OutputFormat::kJpeg};
  int webp_quality = 80;
  int jpeg_quality = 82;
  // Decoder warnings (bad bytes inside the entropy-coded data, a missing end marker) refuse the
  // image; false refuses only errors and truncation.
  bool strict_decoding = true;
  // Images decoded at once by one processor; more callers wait. With libvips' threads per image
  // this bounds the CPU and memory uploads can take (~max_concurrent x 4 x max_pixels bytes).
  int max_concurrent = 2;
};

struct Rendition {
  std::string name;  // The RenditionSpec's.
  OutputFormat format = OutputFormat::kWebp;
  int width = 0;
  int height = 0;
  std::string bytes;
  std::string sha256;  // Lower-case hex of bytes: the content address and the ETag.
};

struct ImageHeader {
  SourceFormat format = SourceFormat::kJpeg;
  // As stored, before the EXIF orientation is applied.
  int width = 0;
  int height = 0;
};

struct ProcessedImage {
  SourceFormat source_format = SourceFormat::kJpeg;
  // Upright (after the EXIF orientation), in pixels.
  int width = 0;
  int height = 0;
  // For each spec, each format, in options order (spec-major).
  std::vector<Rendition> renditions;
};

class ImageProcessor {
 public:
  // Starts libvips if needed (StartVips) and checks the options.
  static absl::StatusOr<std::unique_ptr<ImageProcessor>> Create(ProcessorOptions options);

  // Size, format and declared dimensions only, without decoding pixels. Errors: IMAGE_EMPTY,
  // IMAGE_TOO_LARGE, IMAGE_FORMAT_UNSUPPORTED, IMAGE_CORRUPT (unreadable header),
  // IMAGE_DIMENSIONS_TOO_LARGE, IMAGE_DIMENSIONS_TOO_SMALL; all INVALID_ARGUMENT on "image".
  absl::StatusOr<ImageHeader> Inspect(absl::string_view upload) const;

  // Inspect, then decode and re-encode every rendition. Adds IMAGE_CORRUPT for pixel data that
  // does not decode cleanly. Blocks while max_concurrent other calls are decoding. Thread-safe.
  absl::StatusOr<ProcessedImage> Process(absl::string_view upload) const;

  const ProcessorOptions& options() const { return options_; }

 private:
  explicit ImageProcessor(ProcessorOptions options) : options_(std::move(options)) {}

  bool HasSlot() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ < options_.max_concurrent;
  }
  void AcquireSlot() const;
  void ReleaseSlot() const;

  const ProcessorOptions options_;
  mutable absl::Mutex mu_;
  mutable int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::product_inventory::images
