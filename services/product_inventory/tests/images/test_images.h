#pragma once

// Real images for the tests, made with libvips itself, and byte-level surgery on them
// (patched headers, truncation, appended payloads).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "images/image_format.h"

namespace shopcast::product_inventory::images::testing {

struct MakeOptions {
  // 0 = none; else the EXIF orientation tag (1..8) written into the file.
  int orientation = 0;
  bool alpha = false;
  // Written as an XMP packet (JPEG, PNG, WebP) when not empty.
  std::string xmp;
  // PNG only: tEXt chunks (keyword, text).
  std::vector<std::pair<std::string, std::string>> png_text;
  // Pseudo-random noise on top of the gradient, so the entropy-coded data is large (truncation
  // tests need scan data to cut into).
  bool noise = false;
};

// A width x height sRGB image: a gradient with a solid red block over the top-left quarter, so
// rotations can be seen in the output.
std::string MakeImage(SourceFormat format, int width, int height, const MakeOptions& options = {});

// Other formats, which must be refused.
std::string MakeGif(int width, int height);
std::string MakeTiff(int width, int height);
std::string MakeBmp(int width, int height);
std::string MakeSvg();

// A PNG whose IHDR declares width x height (CRC fixed up) over the pixel data of a tiny image:
// a decompression bomb's header without its payload.
std::string MakePngDeclaring(uint32_t width, uint32_t height);
// A JPEG whose start-of-frame declares width x height.
std::string MakeJpegDeclaring(uint16_t width, uint16_t height);

struct Decoded {
  int width = 0;
  int height = 0;
  int bands = 0;
  SourceFormat format = SourceFormat::kJpeg;
  // Metadata fields libvips found in the file ("exif-data", "xmp-data", "icc-profile-data",
  // "png-comment-…", "orientation", ...), for the stripping checks.
  std::vector<std::string> fields;
};

// Decodes `bytes` with libvips (any format it knows); fails the test if it cannot.
Decoded Decode(const std::string& bytes);

// The RGB(A) value of the pixel at (x, y) of an encoded image.
std::vector<double> PixelAt(const std::string& bytes, int x, int y);

}  // namespace shopcast::product_inventory::images::testing
