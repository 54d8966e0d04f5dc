#include "media/flv_remux.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

std::vector<uint8_t> Hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// What ffmpeg's libx264 wrote: 640x360 at 30 fps (Constrained Baseline, the height cropped from
// 368), and 32x32 at 10 fps in High 4:4:4 (the high-profile SPS fields).
const std::vector<uint8_t> kAvcc360 =
    Hex("0142c01effe100196742c01eda0280bfe5c044000003000400000300f03c58ba8001000468ce0fc8");
const std::vector<uint8_t> kAvcc444 =
    Hex("01f4000affe1001667f4000a9196896c0440000003004000000503c489a801000568ce0f1920fff8f800");

std::vector<uint8_t> Unit(std::initializer_list<std::vector<uint8_t>> nals, int length_size = 4) {
  std::vector<uint8_t> out;
  for (const auto& n : nals) {
    for (int i = length_size - 1; i >= 0; --i) {
      out.push_back(static_cast<uint8_t>(n.size() >> (8 * i)));
    }
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

TEST_CASE("An AVC configuration record gives its parameter sets and NAL length size",
          "[flv_remux]") {
  auto config = ParseAvcConfig(kAvcc360);
  REQUIRE(config.ok());
  CHECK(config->nal_length_size == 4);
  REQUIRE(config->sps.size() == 1);
  REQUIRE(config->pps.size() == 1);
  CHECK(config->sps[0][0] == 0x67);
  CHECK(config->pps[0] == Hex("68ce0fc8"));
}

TEST_CASE("A configuration record cut anywhere is refused, never overread", "[flv_remux]") {
  for (size_t n = 0; n < kAvcc360.size(); ++n) {
    INFO("cut at " << n);
    auto config = ParseAvcConfig(std::span<const uint8_t>(kAvcc360.data(), n));
    CHECK_FALSE(config.ok());
    if (!config.ok()) CHECK(ReasonOf(config.status()) == "FLV_INVALID");
  }
  std::vector<uint8_t> three = kAvcc360;
  three[4] = 0xFE;  // NAL length size 3: not allowed.
  CHECK_FALSE(ParseAvcConfig(three).ok());
  std::vector<uint8_t> no_sps = {1, 0x42, 0xC0, 0x1E, 0xFF, 0xE0, 0x00};
  CHECK_FALSE(ParseAvcConfig(no_sps).ok());
}

TEST_CASE("Access units become Annex B with a delimiter and the parameter sets at keyframes",
          "[flv_remux]") {
  const AvcConfig config = *ParseAvcConfig(kAvcc360);
  const std::vector<uint8_t> idr = {0x65, 0x88, 0x84, 0x00};
  const std::vector<uint8_t> slice = {0x41, 0x9A, 0x02};
  const std::vector<uint8_t> aud = {0x09, 0xF0};
  std::vector<uint8_t> start = {0, 0, 0, 1};

  SECTION("a keyframe without an SPS gets the configuration's") {
    std::vector<uint8_t> out;
    REQUIRE(AppendAnnexB(config, Unit({aud, idr}), true, out).ok());
    std::vector<uint8_t> want = {0, 0, 0, 1, 0x09, 0xF0};
    for (const auto* n : {&config.sps[0], &config.pps[0], &idr}) {
      want.insert(want.end(), start.begin(), start.end());
      want.insert(want.end(), n->begin(), n->end());
    }
    CHECK(out == want);  // The encoder's own delimiter is not repeated.
  }
  SECTION("a keyframe carrying its SPS and an inter frame get none added") {
    std::vector<uint8_t> out;
    REQUIRE(AppendAnnexB(config, Unit({config.sps[0], config.pps[0], idr}), true, out).ok());
    CHECK(out.size() == 6 + 4 + config.sps[0].size() + 4 + config.pps[0].size() + 4 + idr.size());
    out.clear();
    REQUIRE(AppendAnnexB(config, Unit({slice}), false, out).ok());
    CHECK(out == std::vector<uint8_t>({0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x41, 0x9A, 0x02}));
  }
  SECTION("two-byte lengths") {
    AvcConfig two = config;
    two.nal_length_size = 2;
    std::vector<uint8_t> out;
    REQUIRE(AppendAnnexB(two, Unit({slice}, 2), false, out).ok());
    CHECK(out.size() == 6 + 4 + slice.size());
  }
  SECTION("lengths that lie are refused and append nothing") {
    std::vector<uint8_t> out = {0xAB};
    std::vector<uint8_t> bad = Unit({idr});
    bad[3] = 0x40;  // 64 bytes announced, 4 there.
    CHECK_FALSE(AppendAnnexB(config, bad, true, out).ok());
    std::vector<uint8_t> zero = {0, 0, 0, 0};
    CHECK_FALSE(AppendAnnexB(config, zero, false, out).ok());
    std::vector<uint8_t> short_length = {0, 0, 1};
    CHECK_FALSE(AppendAnnexB(config, short_length, false, out).ok());
    CHECK(out == std::vector<uint8_t>({0xAB}));
  }
}

TEST_CASE("The SPS gives the picture size (cropping applied) and the frame rate", "[flv_remux]") {
  auto s360 = ParseAvcSps(ParseAvcConfig(kAvcc360)->sps[0]);
  REQUIRE(s360.has_value());
  CHECK(s360->width == 640);
  CHECK(s360->height == 360);
  CHECK(s360->frame_rate == Approx(30));
  auto s444 = ParseAvcSps(ParseAvcConfig(kAvcc444)->sps[0]);
  REQUIRE(s444.has_value());
  CHECK(s444->width == 32);
  CHECK(s444->height == 32);
  CHECK(s444->frame_rate == Approx(10));
  // Cut short or not an SPS: nothing, never an overread.
  const std::vector<uint8_t> sps = ParseAvcConfig(kAvcc360)->sps[0];
  for (size_t n = 0; n < 12; ++n) {
    (void)ParseAvcSps(std::span<const uint8_t>(sps.data(), n));
  }
  CHECK_FALSE(ParseAvcSps(std::span<const uint8_t>(sps.data(), 5)).has_value());
  CHECK_FALSE(ParseAvcSps(Hex("68ce0fc8")).has_value());
  // A scaling list whose delta_scale is far outside -128..127 (found by flv_remux_fuzz: the
  // sum overflowed an int) is refused.
  CHECK_FALSE(ParseAvcSps(Hex("672c00ffff0a00000000fffffff8000000000000000000")).has_value());
}

TEST_CASE("AAC configurations become ADTS headers", "[flv_remux]") {
  auto lc48 = ParseAacConfig(Hex("1190"));  // AAC-LC, 48 kHz, stereo.
  REQUIRE(lc48.ok());
  CHECK(lc48->object_type == 2);
  CHECK(lc48->sample_rate == 48000);
  CHECK(lc48->channels == 2);
  auto lc8 = ParseAacConfig(Hex("1588"));  // AAC-LC, 8 kHz, mono.
  REQUIRE(lc8.ok());
  CHECK(lc8->sample_rate == 8000);
  CHECK(lc8->channels == 1);

  std::vector<uint8_t> out;
  REQUIRE(AppendAdts(*lc48, std::vector<uint8_t>(100, 0x21), out).ok());
  REQUIRE(out.size() == 107);
  CHECK(out[0] == 0xFF);
  CHECK(out[1] == 0xF1);                              // MPEG-4, layer 0, no CRC.
  CHECK((out[2] >> 6) == 1);                          // Profile: LC (object type − 1).
  CHECK(((out[2] >> 2) & 0x0F) == 3);                 // 48 kHz.
  CHECK((((out[2] & 1) << 2) | (out[3] >> 6)) == 2);  // Stereo.
  const int length = ((out[3] & 0x03) << 11) | (out[4] << 3) | (out[5] >> 5);
  CHECK(length == 107);
  CHECK(out[6] == 0xFC);

  CHECK_FALSE(AppendAdts(*lc48, std::vector<uint8_t>(8185), out).ok());  // 8192 > 13 bits.
  CHECK_FALSE(ParseAacConfig(Hex("1780")).ok());  // Explicit frequency (index 15).
  CHECK_FALSE(ParseAacConfig(Hex("1180")).ok());  // Channel configuration 0 (in the PCE).
  CHECK_FALSE(ParseAacConfig(Hex("11")).ok());    // Cut short.
}

}  // namespace
}  // namespace shopcast::video_ingest::media
