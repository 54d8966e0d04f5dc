// The image pipeline on real images made by libvips: every accepted format, orientation,
// metadata stripping, polyglots, and every way an upload is refused.
#include "images/image_processor.h"

#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/match.h"
#include "images/content_hash.h"
#include "images/image_errors.h"
#include "shopcast/status/status.h"
#include "test_images.h"

namespace images = shopcast::product_inventory::images;
namespace t = shopcast::product_inventory::images::testing;
using images::OutputFormat;
using images::SourceFormat;

namespace {

std::unique_ptr<images::ImageProcessor> Processor(images::ProcessorOptions options = {}) {
  auto p = images::ImageProcessor::Create(std::move(options));
  REQUIRE(p.ok());
  return std::move(*p);
}

// The reason Process refuses `bytes` with, or "OK".
std::string ReasonOf(const images::ImageProcessor& p, const std::string& bytes) {
  auto r = p.Process(bytes);
  if (r.ok()) return "OK";
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(shopcast::FieldOf(r.status()) == "image");
  return shopcast::ReasonOf(r.status());
}

const images::Rendition& Find(const images::ProcessedImage& image, const std::string& name,
                              OutputFormat format) {
  for (const auto& r : image.renditions) {
    if (r.name == name && r.format == format) return r;
  }
  FAIL("no rendition " << name);
  return image.renditions.front();
}

t::MakeOptions Oriented(int orientation) {
  t::MakeOptions o;
  o.orientation = orientation;
  return o;
}
t::MakeOptions Noisy() {
  t::MakeOptions o;
  o.noise = true;
  return o;
}
t::MakeOptions WithAlpha() {
  t::MakeOptions o;
  o.alpha = true;
  return o;
}
t::MakeOptions WithPngText(const std::string& text) {
  t::MakeOptions o;
  o.png_text = {{"Comment", text}};
  return o;
}

bool IsRed(const std::vector<double>& px) { return px[0] > 200 && px[1] < 60 && px[2] < 60; }

}  // namespace

TEST_CASE("each accepted format becomes WebP and JPEG renditions at the web app's sizes") {
  auto p = Processor();
  for (SourceFormat format : {SourceFormat::kJpeg, SourceFormat::kPng, SourceFormat::kWebp}) {
    INFO(images::FormatName(format));
    auto result = p->Process(t::MakeImage(format, 1600, 1000));
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    CHECK(result->source_format == format);
    CHECK(result->width == 1600);
    CHECK(result->height == 1000);
    REQUIRE(result->renditions.size() == 6);
    const std::pair<std::string, std::pair<int, int>> expected[] = {
        {"thumbnail", {160, 100}}, {"card", {480, 300}}, {"full", {1280, 800}}};
    for (const auto& [name, size] : expected) {
      for (OutputFormat out : {OutputFormat::kWebp, OutputFormat::kJpeg}) {
        const images::Rendition& r = Find(*result, name, out);
        CHECK(r.width == size.first);
        CHECK(r.height == size.second);
        CHECK(r.sha256 == images::Sha256Hex(r.bytes));
        t::Decoded d = t::Decode(r.bytes);
        CHECK(d.format == (out == OutputFormat::kWebp ? SourceFormat::kWebp : SourceFormat::kJpeg));
        CHECK(d.width == size.first);
        CHECK(d.height == size.second);
      }
    }
    // The red marker in the top-left quarter survives the trip.
    CHECK(IsRed(t::PixelAt(Find(*result, "card", OutputFormat::kJpeg).bytes, 60, 40)));
    CHECK_FALSE(IsRed(t::PixelAt(Find(*result, "card", OutputFormat::kJpeg).bytes, 420, 260)));
  }
}

TEST_CASE("small images are never upscaled") {
  auto p = Processor();
  auto result = p->Process(t::MakeImage(SourceFormat::kPng, 300, 200));
  REQUIRE(result.ok());
  CHECK(Find(*result, "full", OutputFormat::kWebp).width == 300);
  CHECK(Find(*result, "full", OutputFormat::kWebp).height == 200);
  CHECK(Find(*result, "card", OutputFormat::kJpeg).width == 300);
  CHECK(Find(*result, "thumbnail", OutputFormat::kJpeg).width == 160);
  CHECK(Find(*result, "thumbnail", OutputFormat::kJpeg).height == 107);
  // Same pixels, same encoder, same bytes: the store keeps one copy.
  CHECK(Find(*result, "full", OutputFormat::kWebp).sha256 ==
        Find(*result, "card", OutputFormat::kWebp).sha256);
}

TEST_CASE("a portrait image's long side is its height") {
  auto p = Processor();
  auto result = p->Process(t::MakeImage(SourceFormat::kJpeg, 900, 1800));
  REQUIRE(result.ok());
  CHECK(Find(*result, "card", OutputFormat::kWebp).width == 240);
  CHECK(Find(*result, "card", OutputFormat::kWebp).height == 480);
}

TEST_CASE("an EXIF-rotated JPEG comes out upright, without the orientation tag") {
  auto p = Processor();
  // Stored 800x400 landscape with the red block over the top-left quarter. Where the block
  // shows in the 480-pixel card once turned upright, and a point it must not cover.
  struct Case {
    int orientation;
    int width, height;     // of the card
    int red_x, red_y;      // inside the block
    int other_x, other_y;  // outside it
  };
  const Case cases[] = {
      {1, 480, 240, 60, 60, 420, 180},  // as stored
      {3, 480, 240, 420, 180, 60, 60},  // turned 180 degrees: bottom-right
      {6, 240, 480, 180, 60, 60, 60},   // turned 90 degrees clockwise: top-right
      {8, 240, 480, 60, 420, 60, 60},   // turned 90 degrees anticlockwise: bottom-left
  };
  for (const Case& c : cases) {
    INFO("orientation " << c.orientation);
    const std::string upload = t::MakeImage(SourceFormat::kJpeg, 800, 400, Oriented(c.orientation));
    const t::Decoded input = t::Decode(upload);
    REQUIRE(std::count(input.fields.begin(), input.fields.end(), "exif-data") == 1);
    auto result = p->Process(upload);
    REQUIRE(result.ok());
    CHECK(result->width == c.width * 800 / 480);
    CHECK(result->height == c.height * 800 / 480);
    for (OutputFormat out : {OutputFormat::kWebp, OutputFormat::kJpeg}) {
      const images::Rendition& card = Find(*result, "card", out);
      CHECK(card.width == c.width);
      CHECK(card.height == c.height);
      CHECK(IsRed(t::PixelAt(card.bytes, c.red_x, c.red_y)));
      CHECK_FALSE(IsRed(t::PixelAt(card.bytes, c.other_x, c.other_y)));
      t::Decoded d = t::Decode(card.bytes);
      CHECK(std::count(d.fields.begin(), d.fields.end(), "orientation") == 0);
    }
  }
}

TEST_CASE("every rendition is stripped of EXIF, XMP, ICC and text metadata") {
  auto p = Processor();
  const std::string xmp =
      R"(<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF )"
      R"(xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description )"
      R"(xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="GPS 51.5,-0.12"/>)"
      R"(</rdf:RDF></x:xmpmeta><?xpacket end="w"?>)";
  for (SourceFormat format : {SourceFormat::kJpeg, SourceFormat::kPng, SourceFormat::kWebp}) {
    INFO(images::FormatName(format));
    t::MakeOptions options = Oriented(1);
    options.xmp = xmp;
    if (format == SourceFormat::kPng) options.png_text = {{"Comment", "secret-location"}};
    const std::string upload = t::MakeImage(format, 640, 480, options);
    // The input really carries the metadata.
    CHECK(absl::StrContains(upload, "xmpmeta"));
    auto result = p->Process(upload);
    REQUIRE(result.ok());
    for (const images::Rendition& r : result->renditions) {
      INFO(r.name);
      CHECK_FALSE(absl::StrContains(r.bytes, "Exif"));
      CHECK_FALSE(absl::StrContains(r.bytes, "xmpmeta"));
      CHECK_FALSE(absl::StrContains(r.bytes, "ns.adobe.com"));
      CHECK_FALSE(absl::StrContains(r.bytes, "secret-location"));
      CHECK_FALSE(absl::StrContains(r.bytes, "GPS"));
      for (const std::string& field : t::Decode(r.bytes).fields) {
        INFO(field);
        CHECK_FALSE(absl::StrContains(field, "exif"));
        CHECK_FALSE(absl::StrContains(field, "xmp"));
        CHECK_FALSE(absl::StrContains(field, "icc"));
        CHECK_FALSE(absl::StrContains(field, "comment"));
      }
    }
  }
}

TEST_CASE("polyglots come out as clean pixels only") {
  auto p = Processor();
  SECTION("a JPEG with a ZIP and an HTML page appended") {
    std::string upload = t::MakeImage(SourceFormat::kJpeg, 400, 300);
    upload += std::string("PK\x03\x04\x14\x00\x00\x00", 8) + "evil.php<?php system($_GET[1]); ?>";
    upload += "<html><script>alert(document.cookie)</script></html>";
    auto result = p->Process(upload);
    REQUIRE(result.ok());
    for (const images::Rendition& r : result->renditions) {
      CHECK_FALSE(absl::StrContains(r.bytes, "PK\x03\x04"));
      CHECK_FALSE(absl::StrContains(r.bytes, "<?php"));
      CHECK_FALSE(absl::StrContains(r.bytes, "<script"));
    }
  }
  SECTION("a PNG with a script in a text chunk") {
    const std::string upload =
        t::MakeImage(SourceFormat::kPng, 400, 300,
                     WithPngText("<html><script>alert(document.cookie)</script></html>"));
    REQUIRE(absl::StrContains(upload, "<script"));
    auto result = p->Process(upload);
    REQUIRE(result.ok());
    for (const images::Rendition& r : result->renditions) {
      CHECK_FALSE(absl::StrContains(r.bytes, "<script"));
    }
  }
}

TEST_CASE("transparency is kept in WebP and flattened onto white in JPEG") {
  auto p = Processor();
  auto result = p->Process(t::MakeImage(SourceFormat::kPng, 400, 400, WithAlpha()));
  REQUIRE(result.ok());
  CHECK(t::Decode(Find(*result, "card", OutputFormat::kWebp).bytes).bands == 4);
  const std::string& jpeg = Find(*result, "card", OutputFormat::kJpeg).bytes;
  CHECK(t::Decode(jpeg).bands == 3);
  // The left quarter was fully transparent, over the red block: white now.
  std::vector<double> px = t::PixelAt(jpeg, 20, 20);
  CHECK(px[0] > 240);
  CHECK(px[1] > 240);
  CHECK(px[2] > 240);
}

TEST_CASE("not an image, or another format, is refused as unsupported") {
  auto p = Processor();
  CHECK(ReasonOf(*p, "") == "IMAGE_EMPTY");
  CHECK(ReasonOf(*p, "hello, this is a text file, not a picture") == "IMAGE_FORMAT_UNSUPPORTED");
  CHECK(ReasonOf(*p, "<html><body><img src=x onerror=alert(1)></body></html>") ==
        "IMAGE_FORMAT_UNSUPPORTED");
  CHECK(ReasonOf(*p, t::MakeGif(64, 64)) == "IMAGE_FORMAT_UNSUPPORTED");
  CHECK(ReasonOf(*p, t::MakeTiff(64, 64)) == "IMAGE_FORMAT_UNSUPPORTED");
  CHECK(ReasonOf(*p, t::MakeBmp(64, 64)) == "IMAGE_FORMAT_UNSUPPORTED");
  CHECK(ReasonOf(*p, t::MakeSvg()) == "IMAGE_FORMAT_UNSUPPORTED");
  // A PDF, and a GIF behind a leading byte that hides its magic.
  CHECK(ReasonOf(*p, "%PDF-1.7\n1 0 obj<<>>endobj") == "IMAGE_FORMAT_UNSUPPORTED");
  CHECK(ReasonOf(*p, " " + t::MakeGif(64, 64)) == "IMAGE_FORMAT_UNSUPPORTED");
}

TEST_CASE("the right magic bytes over anything else is refused") {
  auto p = Processor();
  // JPEG's signature, then noise: the decoder cannot even read a header.
  const std::string not_jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(200, 'x');
  const std::string reason = ReasonOf(*p, not_jpeg);
  CHECK((reason == "IMAGE_CORRUPT" || reason == "IMAGE_FORMAT_UNSUPPORTED"));
  // A PNG signature and IHDR tag on top of a GIF.
  std::string fake_png = std::string("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR", 16) + t::MakeGif(64, 64);
  const std::string png_reason = ReasonOf(*p, fake_png);
  CHECK((png_reason == "IMAGE_CORRUPT" || png_reason == "IMAGE_FORMAT_UNSUPPORTED"));
  // A WebP container holding no image.
  std::string empty_webp("RIFF\x0C\0\0\0WEBPVP8 \0\0\0\0", 20);
  const std::string webp_reason = ReasonOf(*p, empty_webp);
  CHECK((webp_reason == "IMAGE_CORRUPT" || webp_reason == "IMAGE_FORMAT_UNSUPPORTED"));
}

TEST_CASE("truncated files are refused as corrupt") {
  auto p = Processor();
  for (SourceFormat format : {SourceFormat::kJpeg, SourceFormat::kPng, SourceFormat::kWebp}) {
    INFO(images::FormatName(format));
    const std::string whole = t::MakeImage(format, 600, 400, Noisy());
    REQUIRE(p->Process(whole).ok());
    for (double keep : {0.3, 0.6, 0.95}) {
      INFO(keep);
      const std::string cut = whole.substr(0, static_cast<size_t>(whole.size() * keep));
      CHECK(ReasonOf(*p, cut) == "IMAGE_CORRUPT");
    }
  }
}

TEST_CASE("decompression bombs are refused from the header, before decoding") {
  auto p = Processor();
  // A few hundred bytes declaring 50000 x 50000 (7.5 GB of RGB): refused by dimensions. Had the
  // pixels been decoded first, the tiny payload would have failed as corrupt instead.
  const std::string png_bomb = t::MakePngDeclaring(50000, 50000);
  CHECK(png_bomb.size() < 4096);
  CHECK(ReasonOf(*p, png_bomb) == "IMAGE_DIMENSIONS_TOO_LARGE");
  auto header = p->Inspect(png_bomb);
  CHECK(shopcast::ReasonOf(header.status()) == "IMAGE_DIMENSIONS_TOO_LARGE");
  CHECK(ReasonOf(*p, t::MakeJpegDeclaring(60000, 60000)) == "IMAGE_DIMENSIONS_TOO_LARGE");
  // Each side within bounds, the total not: 11000 x 11000 = 121 MP.
  CHECK(ReasonOf(*p, t::MakePngDeclaring(11000, 11000)) == "IMAGE_DIMENSIONS_TOO_LARGE");
  // One side too long, few pixels in all.
  CHECK(ReasonOf(*p, t::MakePngDeclaring(20000, 20)) == "IMAGE_DIMENSIONS_TOO_LARGE");
}

TEST_CASE("real images over the configured pixel limits are refused") {
  images::ProcessorOptions options;
  options.limits.max_pixels = 200 * 200;
  options.limits.max_side = 300;
  auto p = Processor(options);
  CHECK(ReasonOf(*p, t::MakeImage(SourceFormat::kPng, 200, 200)) == "OK");
  CHECK(ReasonOf(*p, t::MakeImage(SourceFormat::kPng, 201, 200)) == "IMAGE_DIMENSIONS_TOO_LARGE");
  CHECK(ReasonOf(*p, t::MakeImage(SourceFormat::kWebp, 301, 20)) == "IMAGE_DIMENSIONS_TOO_LARGE");
  CHECK(ReasonOf(*p, t::MakeImage(SourceFormat::kJpeg, 8, 8)) == "IMAGE_DIMENSIONS_TOO_SMALL");
}

TEST_CASE("an upload over the byte limit is refused before it is looked at") {
  images::ProcessorOptions options;
  options.limits.max_upload_bytes = 10'000;
  auto p = Processor(options);
  const std::string big = t::MakeImage(SourceFormat::kPng, 400, 400, Noisy());
  REQUIRE(big.size() > 10'000);
  CHECK(ReasonOf(*p, big) == "IMAGE_TOO_LARGE");
  // Not even the format matters.
  CHECK(ReasonOf(*p, std::string(10'001, 'x')) == "IMAGE_TOO_LARGE");
  CHECK(ReasonOf(*p, std::string(10'000, 'x')) == "IMAGE_FORMAT_UNSUPPORTED");
}

TEST_CASE("bad processor options are refused") {
  images::ProcessorOptions no_sizes;
  no_sizes.renditions.clear();
  CHECK_FALSE(images::ImageProcessor::Create(no_sizes).ok());
  images::ProcessorOptions twice;
  twice.renditions = {{"a", 100}, {"a", 200}};
  CHECK_FALSE(images::ImageProcessor::Create(twice).ok());
  images::ProcessorOptions quality;
  quality.jpeg_quality = 0;
  CHECK_FALSE(images::ImageProcessor::Create(quality).ok());
  images::ProcessorOptions limits;
  limits.limits.min_side = 0;
  CHECK_FALSE(images::ImageProcessor::Create(limits).ok());
  images::ProcessorOptions jpeg_only;
  jpeg_only.formats = {OutputFormat::kJpeg};
  jpeg_only.renditions = {{"only", 64}};
  auto p = images::ImageProcessor::Create(jpeg_only);
  REQUIRE(p.ok());
  auto result = (*p)->Process(t::MakeImage(SourceFormat::kWebp, 128, 64));
  REQUIRE(result.ok());
  REQUIRE(result->renditions.size() == 1);
  CHECK(result->renditions[0].format == OutputFormat::kJpeg);
  CHECK(result->renditions[0].width == 64);
  CHECK(result->renditions[0].height == 32);
}

TEST_CASE("uploads processed from several threads at once all succeed") {
  images::ProcessorOptions options;
  options.max_concurrent = 2;
  auto p = Processor(options);
  const std::string upload = t::MakeImage(SourceFormat::kJpeg, 800, 600);
  const std::string bad = upload.substr(0, upload.size() / 2);
  std::vector<std::string> reasons(6);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < reasons.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = p->Process(i % 3 == 2 ? bad : upload);
      reasons[i] = r.ok() ? "OK" : shopcast::ReasonOf(r.status());
    });
  }
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < reasons.size(); ++i) {
    CHECK(reasons[i] == (i % 3 == 2 ? "IMAGE_CORRUPT" : "OK"));
  }
}
