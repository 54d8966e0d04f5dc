#include "images/image_processor.h"

#include <vips/vips.h>
#include <webp/encode.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "images/content_hash.h"
#include "images/image_errors.h"
#include "images/vips_runtime.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::images {
namespace {

struct ImageUnref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, ImageUnref>;

struct GFree {
  void operator()(void* p) const { g_free(p); }
};
using GBuffer = std::unique_ptr<void, GFree>;

absl::Status Refuse(absl::string_view reason, absl::string_view message) {
  return InvalidArgument(kImageField, reason, message);
}

// A libvips call failed. Its error text describes the upload's insides, so it goes nowhere
// near the caller; the shared error buffer is cleared so it does not grow without bound.
absl::Status Corrupt(absl::string_view message = "the image data is corrupt or truncated") {
  vips_error_clear();
  return Refuse(kImageCorrupt, message);
}

absl::Status EncoderFailed(OutputFormat format) {
  vips_error_clear();
  return absl::InternalError(absl::StrCat("encoding a ", FileExtension(format), " failed"));
}

// The libvips loader class each sniffed format must also be recognised as.
const char* LoaderClass(SourceFormat format) {
  switch (format) {
    case SourceFormat::kJpeg:
      return "VipsForeignLoadJpegBuffer";
    case SourceFormat::kPng:
      return "VipsForeignLoadPngBuffer";
    case SourceFormat::kWebp:
      return "VipsForeignLoadWebpBuffer";
  }
  return "";
}

// Opens the upload with the sniffed format's own loader. Loading is lazy: this reads the header
// only; pixels are decoded when first asked for, top to bottom in one pass (sequential access,
// so libvips never spills a large decode to a temporary file). The upload must outlive the
// image.
absl::StatusOr<Image> Open(absl::string_view upload, SourceFormat format, bool strict) {
  // libvips takes a non-const pointer but only reads through it.
  void* data = const_cast<char*>(upload.data());
  const VipsFailOn fail_on = strict ? VIPS_FAIL_ON_WARNING : VIPS_FAIL_ON_TRUNCATED;
  VipsImage* out = nullptr;
  int rc = -1;
  switch (format) {
    case SourceFormat::kJpeg:
      rc = vips_jpegload_buffer(data, upload.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                                "fail_on", fail_on, nullptr);
      break;
    case SourceFormat::kPng:
      rc = vips_pngload_buffer(data, upload.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                               "fail_on", fail_on, nullptr);
      break;
    case SourceFormat::kWebp:
      rc = vips_webpload_buffer(data, upload.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                                "fail_on", fail_on, nullptr);
      break;
  }
  if (rc != 0 || out == nullptr) return Corrupt("the image header is corrupt or truncated");
  return Image(out);
}

// Wraps a libvips operation's result: `rc` is its return code, `*result` its output image (read
// through a pointer because the call that sets it is a sibling argument, evaluated in any order).
absl::StatusOr<Image> Wrap(int rc, VipsImage** result) {
  VipsImage* out = *result;
  if (rc != 0 || out == nullptr) {
    if (out != nullptr) g_object_unref(out);
    return Corrupt();
  }
  return Image(out);
}

// 8-bit sRGB with an optional alpha band: the one shape every encoder gets. Point operations
// only, so the decode stays a single top-to-bottom pass.
absl::StatusOr<Image> ToSrgb(Image image) {
  VipsImage* out = nullptr;
  if (vips_image_get_typeof(image.get(), VIPS_META_ICC_NAME) != 0) {
    // Pixels in a camera's or a printer's colour space are brought into sRGB before the profile
    // is dropped; a profile that cannot be used falls back to the plain conversion below.
    out = nullptr;
    if (vips_icc_transform(image.get(), &out, "srgb", "embedded", TRUE, "intent",
                           VIPS_INTENT_PERCEPTUAL, nullptr) == 0) {
      image.reset(out);
    } else {
      if (out != nullptr) g_object_unref(out);
      vips_error_clear();
    }
  }
  if (image->Type != VIPS_INTERPRETATION_sRGB || image->BandFmt != VIPS_FORMAT_UCHAR) {
    out = nullptr;
    ASSIGN_OR_RETURN(
        image, Wrap(vips_colourspace(image.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr), &out));
  }
  if (image->BandFmt != VIPS_FORMAT_UCHAR) {
    out = nullptr;
    ASSIGN_OR_RETURN(image, Wrap(vips_cast_uchar(image.get(), &out, nullptr), &out));
  }
  const int bands = vips_image_hasalpha(image.get()) ? 4 : 3;
  if (image->Bands != bands) {
    if (image->Bands < bands) return Corrupt("the image has an unexpected number of channels");
    out = nullptr;
    ASSIGN_OR_RETURN(image,
                     Wrap(vips_extract_band(image.get(), &out, 0, "n", bands, nullptr), &out));
  }
  return image;
}

// Decodes every pixel (so truncation and corruption surface here, under fail_on) into a plain
// buffer and builds a fresh image from it: only pixels cross, never a metadata field, text
// chunk or trailing byte of the upload.
absl::StatusOr<Image> Launder(const Image& image) {
  size_t size = 0;
  GBuffer pixels(vips_image_write_to_memory(image.get(), &size));
  if (pixels == nullptr) return Corrupt();
  const int width = image->Xsize;
  const int height = image->Ysize;
  const int bands = image->Bands;
  if (size != static_cast<size_t>(width) * height * bands) return Corrupt();
  Image fresh(
      vips_image_new_from_memory_copy(pixels.get(), size, width, height, bands, VIPS_FORMAT_UCHAR));
  if (fresh == nullptr) return Corrupt();
  VipsImage* out = nullptr;
  return Wrap(vips_copy(fresh.get(), &out, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr),
              &out);
}

// Turns the laundered pixels as the upload's EXIF orientation said (1..8; others are ignored).
absl::StatusOr<Image> Upright(Image image, int orientation) {
  if (orientation < 2 || orientation > 8) return image;
  vips_image_set_int(image.get(), VIPS_META_ORIENTATION, orientation);
  VipsImage* out = nullptr;
  return Wrap(vips_autorot(image.get(), &out, nullptr), &out);
}

absl::StatusOr<Image> Fit(const Image& image, int long_side) {
  VipsImage* out = nullptr;
  return Wrap(vips_thumbnail_image(image.get(), &out, long_side, "height", long_side, "size",
                                   VIPS_SIZE_DOWN, "no_rotate", TRUE, nullptr),
              &out);
}

// libwebp directly rather than webpsave: libvips 8.14's webpsave writes an EXIF chunk (made up
// from the image's resolution) even when asked to strip. Fed bare pixels, libwebp writes a
// container holding the image chunk and nothing else.
absl::StatusOr<std::string> EncodeWebp(const Image& image, int quality) {
  size_t size = 0;
  GBuffer pixels(vips_image_write_to_memory(image.get(), &size));
  const int width = image->Xsize;
  const int height = image->Ysize;
  const int bands = image->Bands;
  if (pixels == nullptr || size != static_cast<size_t>(width) * height * bands) {
    return EncoderFailed(OutputFormat::kWebp);
  }
  const auto* px = static_cast<const uint8_t*>(pixels.get());
  const auto q = static_cast<float>(quality);
  uint8_t* out = nullptr;
  const size_t n = bands == 4 ? WebPEncodeRGBA(px, width, height, width * 4, q, &out)
                              : WebPEncodeRGB(px, width, height, width * 3, q, &out);
  std::unique_ptr<uint8_t, void (*)(void*)> owned(out, WebPFree);
  if (n == 0 || out == nullptr) return EncoderFailed(OutputFormat::kWebp);
  return std::string(reinterpret_cast<const char*>(out), n);
}

absl::StatusOr<std::string> EncodeJpeg(const Image& image, int quality) {
  Image opaque;
  VipsImage* input = image.get();
  if (vips_image_hasalpha(input)) {
    // JPEG has no alpha: transparent areas become the white of the web app's cards.
    VipsArrayDouble* white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
    VipsImage* out = nullptr;
    const int rc = vips_flatten(input, &out, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (rc != 0 || out == nullptr) return EncoderFailed(OutputFormat::kJpeg);
    opaque.reset(out);
    input = out;
  }
  void* buf = nullptr;
  size_t len = 0;
  const int rc = vips_jpegsave_buffer(input, &buf, &len, "Q", quality, "strip", TRUE,
                                      "optimize_coding", TRUE, "interlace", TRUE, nullptr);
  GBuffer owned(buf);
  if (rc != 0 || buf == nullptr) return EncoderFailed(OutputFormat::kJpeg);
  return std::string(static_cast<const char*>(buf), len);
}

absl::StatusOr<std::string> Encode(const Image& image, OutputFormat format,
                                   const ProcessorOptions& options) {
  return format == OutputFormat::kWebp ? EncodeWebp(image, options.webp_quality)
                                       : EncodeJpeg(image, options.jpeg_quality);
}

}  // namespace

std::vector<RenditionSpec> DefaultRenditions() {
  return {{"thumbnail", 160}, {"card", 480}, {"full", 1280}};
}

absl::StatusOr<std::unique_ptr<ImageProcessor>> ImageProcessor::Create(ProcessorOptions options) {
  const ImageLimits& l = options.limits;
  if (l.max_upload_bytes == 0 || l.max_side < 1 || l.max_pixels < 1 || l.min_side < 1 ||
      l.min_side > l.max_side) {
    return absl::InvalidArgumentError("image limits must be positive with min_side <= max_side");
  }
  if (options.renditions.empty() || options.formats.empty()) {
    return absl::InvalidArgumentError("at least one rendition and one output format are needed");
  }
  std::set<std::string> names;
  for (const RenditionSpec& spec : options.renditions) {
    if (spec.name.empty() || !names.insert(spec.name).second) {
      return absl::InvalidArgumentError("rendition names must be unique and not empty");
    }
    // WebP's own ceiling is 16383 px a side.
    if (spec.long_side < 1 || spec.long_side > 16383) {
      return absl::InvalidArgumentError("rendition long_side must be 1..16383");
    }
  }
  if (options.webp_quality < 1 || options.webp_quality > 100 || options.jpeg_quality < 1 ||
      options.jpeg_quality > 100) {
    return absl::InvalidArgumentError("quality must be 1..100");
  }
  if (options.max_concurrent < 1) {
    return absl::InvalidArgumentError("max_concurrent must be at least 1");
  }
  RETURN_IF_ERROR(StartVips());
  return std::unique_ptr<ImageProcessor>(new ImageProcessor(std::move(options)));
}

absl::StatusOr<ImageHeader> ImageProcessor::Inspect(absl::string_view upload) const {
  const ImageLimits& limits = options_.limits;
  if (upload.empty()) return Refuse(kImageEmpty, "the upload is empty");
  if (upload.size() > limits.max_upload_bytes) {
    return Refuse(kImageTooLarge,
                  absl::StrCat("the upload is larger than ", limits.max_upload_bytes, " bytes"));
  }
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(upload.data()), upload.size());
  std::optional<SourceFormat> format = SniffFormat(bytes);
  if (!format) return Refuse(kImageFormatUnsupported, "only JPEG, PNG and WebP are accepted");
  // libvips' own sniffing must agree with the magic bytes, so a file that is one format to us
  // and another to the decoder is refused rather than parsed by the wrong code.
  const char* loader = vips_foreign_find_load_buffer(upload.data(), upload.size());
  if (loader == nullptr || absl::string_view(loader) != LoaderClass(*format)) {
    vips_error_clear();
    return Refuse(kImageFormatUnsupported, "only JPEG, PNG and WebP are accepted");
  }
  ASSIGN_OR_RETURN(Image image, Open(upload, *format, options_.strict_decoding));
  const int64_t width = image->Xsize;
  const int64_t height = image->Ysize;
  if (width > limits.max_side || height > limits.max_side || width * height > limits.max_pixels) {
    return Refuse(
        kImageDimensionsTooLarge,
        absl::StrCat("the image is ", width, "x", height, " pixels; at most ", limits.max_side,
                     " a side and ", limits.max_pixels, " pixels in all are accepted"));
  }
  if (width < limits.min_side || height < limits.min_side) {
    return Refuse(kImageDimensionsTooSmall,
                  absl::StrCat("the image is ", width, "x", height, " pixels; at least ",
                               limits.min_side, " a side is needed"));
  }
  return ImageHeader{*format, static_cast<int>(width), static_cast<int>(height)};
}

absl::StatusOr<ProcessedImage> ImageProcessor::Process(absl::string_view upload) const {
  ASSIGN_OR_RETURN(ImageHeader header, Inspect(upload));

  AcquireSlot();
  struct SlotRelease {
    const ImageProcessor* processor;
    ~SlotRelease() { processor->ReleaseSlot(); }
  } release{this};

  ASSIGN_OR_RETURN(Image opened, Open(upload, header.format, options_.strict_decoding));
  // Read before laundering, which keeps nothing but pixels.
  const int orientation = vips_image_get_orientation(opened.get());
  ASSIGN_OR_RETURN(Image srgb, ToSrgb(std::move(opened)));
  ASSIGN_OR_RETURN(Image laundered, Launder(srgb));
  ASSIGN_OR_RETURN(Image clean, Upright(std::move(laundered), orientation));

  ProcessedImage result;
  result.source_format = header.format;
  result.width = clean->Xsize;
  result.height = clean->Ysize;
  for (const RenditionSpec& spec : options_.renditions) {
    ASSIGN_OR_RETURN(Image fitted, Fit(clean, spec.long_side));
    for (OutputFormat format : options_.formats) {
      Rendition r;
      r.name = spec.name;
      r.format = format;
      r.width = fitted->Xsize;
      r.height = fitted->Ysize;
      ASSIGN_OR_RETURN(r.bytes, Encode(fitted, format, options_));
      r.sha256 = Sha256Hex(r.bytes);
      result.renditions.push_back(std::move(r));
    }
  }
  return result;
}

void ImageProcessor::AcquireSlot() const {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &ImageProcessor::HasSlot));
  ++in_flight_;
}

void ImageProcessor::ReleaseSlot() const {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

}  // namespace shopcast::product_inventory::images
