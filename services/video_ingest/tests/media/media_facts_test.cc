#include "media/media_facts.h"

#include <catch2/catch.hpp>
#include <vector>

namespace shopcast::video_ingest::media {
namespace {

// An Annex B SPS NAL unit: High profile (100), constraints 0, level 3.1 (31).
const std::vector<uint8_t> kSps = {0, 0, 0, 1, 0x67, 100, 0, 31, 0xAC};

MediaFacts::Video Video360p() { return {640, 360, 30, "high", "3.1"}; }

TEST_CASE("Media facts are reported once every known track has its caps and the SPS", "[facts]") {
  MediaFacts facts;
  CHECK_FALSE(facts.Report(true, true, false, false).has_value());
  facts.SetAudio({48000, 1, 2});
  facts.SetVideo(Video360p());
  // Video caps without a codec string from the stream itself: not yet.
  CHECK(facts.needs_sps());
  CHECK_FALSE(facts.Report(true, true, false, false).has_value());
  facts.ObserveVideoBuffer(kSps);
  CHECK_FALSE(facts.needs_sps());
  std::optional<MediaInfo> info = facts.Report(true, true, false, false);
  REQUIRE(info.has_value());
  CHECK(info->video_codec == "h264");
  CHECK(info->width == 640);
  CHECK(info->height == 360);
  CHECK(info->frame_rate == 30);
  CHECK(info->audio_codec == "aac");
  CHECK(info->audio_sample_rate == 48000);
  CHECK(info->audio_channels == 1);
  CHECK(info->codecs == "avc1.64001f,mp4a.40.2");
}

TEST_CASE("One track is complete only once the tracks are settled", "[facts]") {
  MediaFacts facts;
  facts.SetAudio({44100, 2, 2});
  CHECK_FALSE(facts.Report(false, true, false, false).has_value());  // Video may still come.
  std::optional<MediaInfo> info = facts.Report(false, true, true, false);
  REQUIRE(info.has_value());
  CHECK(info->video_codec.empty());
  CHECK(info->width == 0);
  CHECK(info->codecs == "mp4a.40.2");
}

TEST_CASE("A segment being published forces what is known, the caps' profile standing in",
          "[facts]") {
  MediaFacts facts;
  facts.SetVideo(Video360p());
  std::optional<MediaInfo> info = facts.Report(true, false, false, true);
  REQUIRE(info.has_value());
  CHECK(info->codecs == "avc1.64001f");  // From "high" and "3.1", no SPS seen.
  CHECK(info->audio_codec.empty());
}

TEST_CASE("HEVC video is reported as hevc with its hvc1 string from the SPS", "[facts]") {
  // x265's SPS (Main, level 2.1), emulation prevention bytes included.
  const std::vector<uint8_t> sps = {0, 0, 0, 1,    0x42, 0x01, 0x01, 0x01, 0x60,
                                    0, 0, 3, 0,    0x90, 0,    0,    3,    0,
                                    0, 3, 0, 0x3f, 0xa0, 0x05, 0x02, 0x01};
  MediaFacts facts;
  facts.SetVideoCodec(MediaFacts::VideoCodec::kHevc);
  facts.SetVideo({640, 360, 30, "main", "2.1"});
  facts.SetAudio({48000, 2, 2});
  // An H.264 SPS means nothing to an HEVC track, and no stand-in comes from the caps.
  facts.ObserveVideoBuffer(kSps);
  CHECK(facts.needs_sps());
  CHECK_FALSE(facts.Report(true, true, false, false).has_value());
  std::optional<MediaInfo> forced = facts.Report(true, true, false, true);
  REQUIRE(forced.has_value());
  CHECK(forced->video_codec == "hevc");
  CHECK(forced->codecs == "mp4a.40.2");
  facts.ObserveVideoBuffer(sps);
  std::optional<MediaInfo> info = facts.Report(true, true, false, false);
  REQUIRE(info.has_value());
  CHECK(info->video_codec == "hevc");
  CHECK(info->width == 640);
  CHECK(info->codecs == "hvc1.1.6.L63.90,mp4a.40.2");
}

}  // namespace
}  // namespace shopcast::video_ingest::media
