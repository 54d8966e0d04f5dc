// Magic-byte sniffing: the first gate, before libvips sees anything.
#include "images/image_format.h"

#include <catch2/catch.hpp>
#include <string>

namespace images = shopcast::product_inventory::images;
using images::SourceFormat;

namespace {

std::optional<SourceFormat> Sniff(const std::string& s) {
  return images::SniffFormat(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

}  // namespace

TEST_CASE("JPEG, PNG and WebP are recognised by their leading bytes") {
  CHECK(Sniff(std::string("\xFF\xD8\xFF\xE0\0\x10"
                          "JFIF",
                          10)) == SourceFormat::kJpeg);
  CHECK(Sniff(std::string("\xFF\xD8\xFF\xE1\0\x10"
                          "Exif",
                          10)) == SourceFormat::kJpeg);
  CHECK(Sniff(std::string("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR", 16)) == SourceFormat::kPng);
  CHECK(Sniff(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)) == SourceFormat::kWebp);
  CHECK(Sniff(std::string("RIFF\0\0\0\0WEBPVP8L", 16)) == SourceFormat::kWebp);
  CHECK(Sniff(std::string("RIFF\0\0\0\0WEBPVP8X", 16)) == SourceFormat::kWebp);
}

TEST_CASE("everything else, and truncated signatures, are not sniffed as images") {
  CHECK_FALSE(Sniff(""));
  CHECK_FALSE(Sniff("\xFF\xD8"));
  CHECK_FALSE(Sniff("GIF89a\x01\x00\x01\x00"));
  CHECK_FALSE(Sniff("GIF87a\x01\x00\x01\x00"));
  CHECK_FALSE(Sniff("BM\x36\x00\x00\x00"));
  CHECK_FALSE(Sniff("II*\0\x08\0\0\0"));
  CHECK_FALSE(Sniff("MM\0*\0\0\0\x08"));
  CHECK_FALSE(Sniff("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"));
  CHECK_FALSE(Sniff("<?xml version=\"1.0\"?><svg/>"));
  CHECK_FALSE(
      Sniff(std::string("\0\0\0\x18"
                        "ftypheic",
                        12)));
  CHECK_FALSE(Sniff(std::string("RIFF\0\0\0\0WAVEfmt ", 16)));
  CHECK_FALSE(Sniff(std::string("RIFF\0\0\0\0WEBPJUNK", 16)));
  // The PNG signature without IHDR first is not a PNG.
  CHECK_FALSE(Sniff(std::string("\x89PNG\r\n\x1A\n\0\0\0\x0DtEXt", 16)));
  CHECK_FALSE(Sniff(std::string("\x89PNG\r\n\x1A\n", 8)));
  CHECK_FALSE(Sniff("%PDF-1.7"));
  CHECK_FALSE(Sniff(" \xFF\xD8\xFF"));
}

TEST_CASE("output formats name their MIME type and extension") {
  CHECK(images::MimeType(images::OutputFormat::kWebp) == "image/webp");
  CHECK(images::MimeType(images::OutputFormat::kJpeg) == "image/jpeg");
  CHECK(images::FileExtension(images::OutputFormat::kWebp) == "webp");
  CHECK(images::FileExtension(images::OutputFormat::kJpeg) == "jpg");
  CHECK(images::FormatName(SourceFormat::kPng) == "png");
}
