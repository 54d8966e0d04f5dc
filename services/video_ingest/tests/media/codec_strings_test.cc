#include "media/codec_strings.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace shopcast::video_ingest::media {
namespace {

TEST_CASE("AvcCodecFromAnnexB reads profile, constraints and level from the SPS", "[codecs]") {
  // AUD, then an SPS for High profile (100), no constraints, level 3.1 (31), then a PPS.
  const std::vector<uint8_t> au = {0, 0, 0,    1,    0x09, 0xf0, 0,    0,
                                   0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9,
                                   0, 0, 1,    0x68, 0xeb, 0xe3, 0xcb};
  CHECK(AvcCodecFromAnnexB(au) == "avc1.64001f");
  // Constrained baseline 3.0, the flags byte kept as is.
  const std::vector<uint8_t> baseline = {0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02};
  CHECK(AvcCodecFromAnnexB(baseline) == "avc1.42c01e");
}

TEST_CASE("AvcCodecFromAnnexB finds nothing without an SPS", "[codecs]") {
  const std::vector<uint8_t> slice = {0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xff};
  CHECK_FALSE(AvcCodecFromAnnexB(slice).has_value());
  CHECK_FALSE(AvcCodecFromAnnexB({}).has_value());
  const std::vector<uint8_t> truncated = {0, 0, 1, 0x67, 0x64};
  CHECK_FALSE(AvcCodecFromAnnexB(truncated).has_value());
}

std::vector<uint8_t> Hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// SPS NAL units as ffmpeg's libx265 (3.5) writes them for 640x360 (Main, Main 10) and for
// 1080p60 with level-idc=5.1:high-tier=1, behind a start code and an access unit delimiter.
// Their emulation prevention bytes (00 00 03) fall inside the profile_tier_level.
// GStreamer 1.22's gst_codec_utils_caps_get_mime_codec (from h265parse's hvcC of the same
// streams) says hvc1.1.6.L63.90 and hvc1.2.4.L63.90 too; for the high-tier stream it says
// L153, GStreamer's mistake: that hvcC has general_tier_flag set (its byte 1 is 0x21).
std::vector<uint8_t> AccessUnit(const std::string& sps) {
  std::vector<uint8_t> out = Hex("0000000146015000000001" + sps);
  const std::vector<uint8_t> slice = Hex("00000126018af0");  // What follows: an IDR slice.
  out.insert(out.end(), slice.begin(), slice.end());
  return out;
}

TEST_CASE("HevcCodecFromAnnexB reads the general profile_tier_level of x265's SPS", "[codecs]") {
  CHECK(HevcCodecFromAnnexB(AccessUnit("42010101600000030090000003000003003fa005020171f2")) ==
        "hvc1.1.6.L63.90");
  CHECK(HevcCodecFromAnnexB(AccessUnit("42010102200000030090000003000003003fa005020171f2")) ==
        "hvc1.2.4.L63.90");
  CHECK(HevcCodecFromAnnexB(AccessUnit("420101216000000300900000030000030099a003c0801107")) ==
        "hvc1.1.6.H153.90");
}

TEST_CASE("HevcCodecFromAnnexB finds nothing without a whole SPS", "[codecs]") {
  CHECK_FALSE(HevcCodecFromAnnexB({}).has_value());
  CHECK_FALSE(HevcCodecFromAnnexB(Hex("0000000126018af0")).has_value());  // A slice only.
  // An SPS cut inside its profile_tier_level, by the end of the data or by the next start code.
  CHECK_FALSE(HevcCodecFromAnnexB(Hex("00000001420101016000000300")).has_value());
  CHECK_FALSE(HevcCodecFromAnnexB(Hex("0000000142010101600000000126018af0")).has_value());
  // H.264's SPS (NAL type 7) is not HEVC's (33).
  CHECK_FALSE(HevcCodecFromAnnexB(Hex("0000000167640028acd940780227e5c0")).has_value());
}

TEST_CASE("HevcCodecFromProfileTierLevel writes ISO/IEC 14496-15 Annex E strings", "[codecs]") {
  auto ptl = [](const std::string& hex) {
    const std::vector<uint8_t> b = Hex(hex);
    REQUIRE(b.size() == 12);
    std::array<uint8_t, 12> a{};
    std::copy(b.begin(), b.end(), a.begin());
    return HevcCodecFromProfileTierLevel(a);
  };
  // The specification's example and Apple's HLS authoring examples: Main at level 3.1 and
  // Main 10 at level 4.1, progressive, non-packed and frame-only (B0).
  CHECK(ptl("0160000000b00000000000"
            "5d") == "hvc1.1.6.L93.B0");
  CHECK(ptl("0220000000b00000000000"
            "7b") == "hvc1.2.4.L123.B0");
  // Profile space 1 (A), high tier, Range Extensions compatibility (flag 4), a constraint byte
  // after zero bytes: the zero bytes before it stay, the trailing ones go.
  CHECK(ptl("6408000000b00000002300"
            "78") == "hvc1.A4.10.H120.B0.0.0.0.23");
  // Every compatibility flag, every constraint bit, the highest level.
  CHECK(ptl("ffffffffffffffffffffff"
            "ff") == "hvc1.C31.FFFFFFFF.H255.FF.FF.FF.FF.FF.FF");
  CHECK(ptl("0000000000000000000000"
            "00") == "hvc1.0.0.L0");
}

TEST_CASE("AvcCodecFromProfileLevel maps GStreamer caps names", "[codecs]") {
  CHECK(AvcCodecFromProfileLevel("high", "4") == "avc1.640028");
  CHECK(AvcCodecFromProfileLevel("main", "3.1") == "avc1.4d001f");
  CHECK(AvcCodecFromProfileLevel("constrained-baseline", "3") == "avc1.42401e");
  CHECK_FALSE(AvcCodecFromProfileLevel("high-4:4:4", "4").has_value());
  CHECK_FALSE(AvcCodecFromProfileLevel("high", "").has_value());
}

TEST_CASE("AAC codec strings come from the AudioSpecificConfig or the profile", "[codecs]") {
  const std::vector<uint8_t> lc_48k_stereo = {0x11, 0x90};       // object type 2
  const std::vector<uint8_t> he_aac = {0x2b, 0x92, 0x08, 0x00};  // object type 5
  CHECK(AacObjectTypeFromConfig(lc_48k_stereo) == 2);
  CHECK(AacObjectTypeFromConfig(he_aac) == 5);
  CHECK(AacObjectTypeFromConfig({}) == 0);
  CHECK(AacObjectTypeFromProfile("lc") == 2);
  CHECK(AacObjectTypeFromProfile("main") == 1);
  CHECK(AacObjectTypeFromProfile("he-aac") == 0);
  CHECK(AacCodec(2) == "mp4a.40.2");
  CHECK(AacCodec(5) == "mp4a.40.5");
  CHECK(AacCodec(0) == "mp4a.40.2");
}

}  // namespace
}  // namespace shopcast::video_ingest::media
