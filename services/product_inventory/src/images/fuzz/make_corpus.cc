// Writes the seed corpus (small, varied, valid and broken images) into the folder given:
//   g++ -std=c++20 make_corpus.cc $(pkg-config --cflags --libs vips) -o /tmp/make_corpus &&
//   /tmp/make_corpus corpus

#include <vips/vips.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

std::string dir;

void Write(const std::string& name, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

std::string Take(void* buf, size_t len) {
  std::string s(static_cast<const char*>(buf), len);
  g_free(buf);
  return s;
}

VipsImage* Gradient(int w, int h, int bands) {
  std::vector<unsigned char> px(static_cast<size_t>(w) * h * bands);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 7 % 251);
  VipsImage* raw =
      vips_image_new_from_memory_copy(px.data(), px.size(), w, h, bands, VIPS_FORMAT_UCHAR);
  VipsImage* out = nullptr;
  vips_copy(raw, &out, "interpretation",
            bands >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W, nullptr);
  g_object_unref(raw);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || VIPS_INIT(argv[0]) != 0) return 1;
  dir = argv[1];
  void* buf = nullptr;
  size_t len = 0;

  VipsImage* rgb = Gradient(40, 30, 3);
  vips_jpegsave_buffer(rgb, &buf, &len, "Q", 50, nullptr);
  const std::string jpeg = Take(buf, len);
  Write("baseline.jpg", jpeg);
  Write("truncated.jpg", jpeg.substr(0, jpeg.size() * 2 / 3));
  Write("trailing_zip.jpg", jpeg + std::string("PK\x03\x04", 4) + "payload");
  vips_image_set_int(rgb, "orientation", 6);
  vips_jpegsave_buffer(rgb, &buf, &len, "Q", 50, "interlace", TRUE, nullptr);
  Write("progressive_rotated.jpg", Take(buf, len));
  vips_webpsave_buffer(rgb, &buf, &len, "Q", 50, nullptr);
  Write("lossy.webp", Take(buf, len));
  vips_webpsave_buffer(rgb, &buf, &len, "lossless", TRUE, nullptr);
  Write("lossless.webp", Take(buf, len));

  VipsImage* rgba = Gradient(24, 24, 4);
  vips_pngsave_buffer(rgba, &buf, &len, nullptr);
  const std::string png = Take(buf, len);
  Write("alpha.png", png);
  std::string bomb = png;
  // IHDR width and height to 60000 (CRC left wrong: the header check must still hold).
  bomb[16] = bomb[20] = 0;
  bomb[17] = bomb[21] = 0;
  bomb[18] = bomb[22] = static_cast<char>(0xEA);
  bomb[19] = bomb[23] = 0x60;
  Write("bomb.png", bomb);
  vips_webpsave_buffer(rgba, &buf, &len, "Q", 50, nullptr);
  Write("alpha.webp", Take(buf, len));

  VipsImage* grey = Gradient(20, 20, 1);
  vips_pngsave_buffer(grey, &buf, &len, "palette", TRUE, nullptr);
  Write("palette.png", Take(buf, len));
  vips_jpegsave_buffer(grey, &buf, &len, nullptr);
  Write("grey.jpg", Take(buf, len));
  std::printf("corpus written to %s\n", dir.c_str());
  return 0;
}
