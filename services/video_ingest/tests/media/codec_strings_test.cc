#include "media/codec_strings.h"

#include <catch2/catch.hpp>
#include <cstdint>
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
