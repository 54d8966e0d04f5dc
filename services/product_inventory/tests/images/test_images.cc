#include "test_images.h"

#include <vips/vips.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "images/vips_runtime.h"

namespace shopcast::product_inventory::images::testing {
namespace {

struct ImageUnref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, ImageUnref>;

void Check(int rc, const char* what) {
  if (rc != 0) {
    std::string err = vips_error_buffer();
    vips_error_clear();
    throw std::runtime_error(std::string(what) + ": " + err);
  }
}

std::string Take(void* buf, size_t len) {
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

Image Pixels(int width, int height, const MakeOptions& options) {
  REQUIRE(StartVips().ok());
  const int bands = options.alpha ? 4 : 3;
  std::vector<uint8_t> px(static_cast<size_t>(width) * height * bands);
  uint32_t seed = 12345;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = &px[(static_cast<size_t>(y) * width + x) * bands];
      const bool marker = x < width / 2 && y < height / 2;
      p[0] = marker ? 255 : static_cast<uint8_t>(x * 255 / width / 2);
      p[1] = marker ? 0 : static_cast<uint8_t>(128 + y * 127 / height);
      p[2] = marker ? 0 : 200;
      if (options.noise && !marker) {
        seed = seed * 1103515245 + 12345;
        p[1] = static_cast<uint8_t>(seed >> 24);
        p[2] = static_cast<uint8_t>(seed >> 16);
      }
      if (bands == 4) p[3] = static_cast<uint8_t>(x < width / 4 ? 0 : 255);
    }
  }
  Image raw(vips_image_new_from_memory_copy(px.data(), px.size(), width, height, bands,
                                            VIPS_FORMAT_UCHAR));
  REQUIRE(raw != nullptr);
  VipsImage* out = nullptr;
  Check(vips_copy(raw.get(), &out, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr), "copy");
  Image image(out);
  if (options.orientation != 0) {
    vips_image_set_int(image.get(), VIPS_META_ORIENTATION, options.orientation);
  }
  if (!options.xmp.empty()) {
    vips_image_set_blob_copy(image.get(), VIPS_META_XMP_NAME, options.xmp.data(),
                             options.xmp.size());
  }
  return image;
}

uint32_t Crc32(const uint8_t* data, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void PutBe32(std::string& s, size_t at, uint32_t v) {
  s[at] = static_cast<char>(v >> 24);
  s[at + 1] = static_cast<char>(v >> 16);
  s[at + 2] = static_cast<char>(v >> 8);
  s[at + 3] = static_cast<char>(v);
}

// `png` with a tEXt chunk (keyword NUL text) inserted right after IHDR.
std::string InsertPngText(std::string png, const std::string& keyword, const std::string& text) {
  const std::string data = keyword + std::string(1, '\0') + text;
  std::string chunk(4, '\0');
  PutBe32(chunk, 0, static_cast<uint32_t>(data.size()));
  chunk += "tEXt" + data;
  chunk.append(4, '\0');
  PutBe32(chunk, chunk.size() - 4,
          Crc32(reinterpret_cast<const uint8_t*>(chunk.data()) + 4, 4 + data.size()));
  // Signature (8) + IHDR: length (4), type (4), data (13), CRC (4).
  png.insert(8 + 25, chunk);
  return png;
}

}  // namespace

std::string MakeImage(SourceFormat format, int width, int height, const MakeOptions& options) {
  Image image = Pixels(width, height, options);
  void* buf = nullptr;
  size_t len = 0;
  switch (format) {
    case SourceFormat::kJpeg: {
      VipsImage* in = image.get();
      Image flat;
      if (options.alpha) {
        VipsImage* out = nullptr;
        Check(vips_flatten(in, &out, nullptr), "flatten");
        flat.reset(out);
        in = out;
      }
      Check(vips_jpegsave_buffer(in, &buf, &len, "Q", 90, nullptr), "jpegsave");
      break;
    }
    case SourceFormat::kPng: {
      Check(vips_pngsave_buffer(image.get(), &buf, &len, "compression", 1, nullptr), "pngsave");
      std::string png = Take(buf, len);
      // libvips' PNG writer keeps no XMP; put it where Adobe's tools do, by hand.
      if (!options.xmp.empty())
        png = InsertPngText(std::move(png), "XML:com.adobe.xmp", options.xmp);
      for (const auto& [keyword, text] : options.png_text) {
        png = InsertPngText(std::move(png), keyword, text);
      }
      return png;
    }
    case SourceFormat::kWebp:
      Check(vips_webpsave_buffer(image.get(), &buf, &len, "Q", 90, nullptr), "webpsave");
      break;
  }
  return Take(buf, len);
}

std::string MakeGif(int width, int height) {
  Image image = Pixels(width, height, {});
  void* buf = nullptr;
  size_t len = 0;
  Check(vips_gifsave_buffer(image.get(), &buf, &len, nullptr), "gifsave");
  return Take(buf, len);
}

std::string MakeTiff(int width, int height) {
  Image image = Pixels(width, height, {});
  void* buf = nullptr;
  size_t len = 0;
  Check(vips_tiffsave_buffer(image.get(), &buf, &len, nullptr), "tiffsave");
  return Take(buf, len);
}

std::string MakeBmp(int width, int height) {
  // BITMAPFILEHEADER + BITMAPINFOHEADER, 24-bit, rows padded to 4 bytes; libvips has no BMP
  // writer.
  const uint32_t row = (static_cast<uint32_t>(width) * 3 + 3) & ~3u;
  const uint32_t pixels = row * static_cast<uint32_t>(height);
  std::string bmp(54, '\0');
  auto le32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bmp[at + i] = static_cast<char>(v >> (8 * i));
  };
  bmp[0] = 'B';
  bmp[1] = 'M';
  le32(2, 54 + pixels);
  le32(10, 54);
  le32(14, 40);
  le32(18, static_cast<uint32_t>(width));
  le32(22, static_cast<uint32_t>(height));
  bmp[26] = 1;
  bmp[28] = 24;
  le32(34, pixels);
  bmp.append(pixels, '\x7f');
  return bmp;
}

std::string MakeSvg() {
  return R"(<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="400" )"
         R"(height="300"><rect width="400" height="300" fill="red"/>)"
         R"(<script>alert(document.cookie)</script></svg>)";
}

std::string MakePngDeclaring(uint32_t width, uint32_t height) {
  std::string png = MakeImage(SourceFormat::kPng, 32, 32);
  // Signature (8), IHDR length (4), "IHDR" (4), then width and height; the CRC covers the type
  // and the 13 data bytes.
  PutBe32(png, 16, width);
  PutBe32(png, 20, height);
  PutBe32(png, 29, Crc32(reinterpret_cast<const uint8_t*>(png.data()) + 12, 17));
  return png;
}

std::string MakeJpegDeclaring(uint16_t width, uint16_t height) {
  std::string jpeg = MakeImage(SourceFormat::kJpeg, 32, 32);
  // Walk the marker segments to the baseline or progressive start-of-frame.
  size_t i = 2;
  while (i + 9 < jpeg.size()) {
    REQUIRE(static_cast<uint8_t>(jpeg[i]) == 0xFF);
    const uint8_t marker = static_cast<uint8_t>(jpeg[i + 1]);
    const size_t length =
        (static_cast<uint8_t>(jpeg[i + 2]) << 8) | static_cast<uint8_t>(jpeg[i + 3]);
    if (marker == 0xC0 || marker == 0xC2) {
      jpeg[i + 5] = static_cast<char>(height >> 8);
      jpeg[i + 6] = static_cast<char>(height);
      jpeg[i + 7] = static_cast<char>(width >> 8);
      jpeg[i + 8] = static_cast<char>(width);
      return jpeg;
    }
    i += 2 + length;
  }
  FAIL("no start-of-frame marker");
  return {};
}

Decoded Decode(const std::string& bytes) {
  REQUIRE(StartVips().ok());
  const char* loader = vips_foreign_find_load_buffer(bytes.data(), bytes.size());
  REQUIRE(loader != nullptr);
  Decoded d;
  if (std::strcmp(loader, "VipsForeignLoadJpegBuffer") == 0) {
    d.format = SourceFormat::kJpeg;
  } else if (std::strcmp(loader, "VipsForeignLoadPngBuffer") == 0) {
    d.format = SourceFormat::kPng;
  } else {
    REQUIRE(std::strcmp(loader, "VipsForeignLoadWebpBuffer") == 0);
    d.format = SourceFormat::kWebp;
  }
  Image image(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  REQUIRE(image != nullptr);
  d.width = image->Xsize;
  d.height = image->Ysize;
  d.bands = image->Bands;
  gchar** fields = vips_image_get_fields(image.get());
  for (gchar** f = fields; *f != nullptr; ++f) d.fields.emplace_back(*f);
  g_strfreev(fields);
  return d;
}

std::vector<double> PixelAt(const std::string& bytes, int x, int y) {
  Image image(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  REQUIRE(image != nullptr);
  double* vector = nullptr;
  int n = 0;
  Check(vips_getpoint(image.get(), &vector, &n, x, y, nullptr), "getpoint");
  std::vector<double> out(vector, vector + n);
  g_free(vector);
  return out;
}

}  // namespace shopcast::product_inventory::images::testing
