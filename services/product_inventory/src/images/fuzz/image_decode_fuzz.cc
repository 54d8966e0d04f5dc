// libFuzzer target for the upload path: arbitrary bytes through ImageProcessor::Process, with
// small limits so each input is quick. Whatever it accepts must come out as renditions that are
// themselves clean images of the promised format and size.

#include <cstdio>
#include <cstdlib>

#include "images/content_hash.h"
#include "images/image_processor.h"

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

namespace images = shopcast::product_inventory::images;

namespace {

constexpr int kLongSide = 48;

const images::ImageProcessor& Processor() {
  // One per process, as libvips is; never destroyed so no teardown races the fuzzer's exit.
  static const images::ImageProcessor* processor = [] {
    images::ProcessorOptions options;
    options.limits.max_upload_bytes = 256 * 1024;
    options.limits.max_side = 2048;
    options.limits.max_pixels = 512 * 512;
    options.limits.min_side = 1;
    options.renditions = {{"fuzz", kLongSide}};
    options.max_concurrent = 1;
    auto p = images::ImageProcessor::Create(options);
    FUZZ_CHECK(p.ok());
    return p->release();
  }();
  return *processor;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const images::ImageProcessor& processor = Processor();
  const absl::string_view upload(reinterpret_cast<const char*>(data), size);
  auto result = processor.Process(upload);
  if (!result.ok()) {
    // Refusals are about the upload, never an internal failure.
    FUZZ_CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(result->width >= 1 && result->height >= 1);
  FUZZ_CHECK(result->renditions.size() == 2);
  for (const images::Rendition& r : result->renditions) {
    FUZZ_CHECK(r.width >= 1 && r.width <= kLongSide && r.height >= 1 && r.height <= kLongSide);
    FUZZ_CHECK(r.sha256 == images::Sha256Hex(r.bytes));
    // Each rendition reads back as an image of its own format and size.
    auto header = processor.Inspect(r.bytes);
    FUZZ_CHECK(header.ok());
    FUZZ_CHECK(header->width == r.width && header->height == r.height);
    FUZZ_CHECK((r.format == images::OutputFormat::kWebp) ==
               (header->format == images::SourceFormat::kWebp));
  }
  return 0;
}
