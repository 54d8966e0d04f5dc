#include "rtmp/video_tag.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

void CheckInvalid(const absl::StatusOr<VideoTagHeader>& h) {
  INFO(h.status().ToString());
  CHECK(h.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(h.status()) == "RTMP_VIDEO_TAG_INVALID");
}

void CheckInvalid(const absl::Status& s) {
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(s) == "RTMP_VIDEO_TAG_INVALID");
}

TEST_CASE("Legacy AVC and HEVC headers: packet type, composition time, body") {
  // Keyframe, AVC, NALU, composition time +66 ms.
  absl::StatusOr<VideoTagHeader> avc = ParseVideoTagHeader(Bytes{0x17, 0x01, 0, 0, 66, 0xAA});
  REQUIRE(avc.ok());
  CHECK_FALSE(avc->enhanced);
  CHECK(avc->codec == VideoCodec::kAvc);
  CHECK(avc->keyframe());
  CHECK(avc->packet == VideoPacket::kCodedFrames);
  CHECK(avc->composition_time_ms == 66);
  CHECK(avc->body_offset == 5);
  // Inter frame, legacy HEVC (id 12), sequence header; a negative composition time (SI24).
  absl::StatusOr<VideoTagHeader> hevc = ParseVideoTagHeader(Bytes{0x2C, 0x00, 0xFF, 0xFF, 0xFE});
  REQUIRE(hevc.ok());
  CHECK(hevc->codec == VideoCodec::kHevc);
  CHECK_FALSE(hevc->keyframe());
  CHECK(hevc->packet == VideoPacket::kSequenceStart);
  CHECK(hevc->composition_time_ms == -2);
  // Codecs without packet types: the data follows the first byte.
  absl::StatusOr<VideoTagHeader> h263 = ParseVideoTagHeader(Bytes{0x12});
  REQUIRE(h263.ok());
  CHECK(h263->codec == VideoCodec::kOther);
  CHECK(h263->legacy_codec_id == 2);
  CHECK(h263->packet == VideoPacket::kLegacy);
  // A command frame (seek start) carries no media.
  absl::StatusOr<VideoTagHeader> command = ParseVideoTagHeader(Bytes{0x57, 0x00});
  REQUIRE(command.ok());
  CHECK(command->packet == VideoPacket::kCommand);
}

TEST_CASE("Malformed legacy HEVC headers are refused, short AVC ones pass as before") {
  CheckInvalid(ParseVideoTagHeader(Bytes{}));
  CheckInvalid(ParseVideoTagHeader(Bytes{0x1C}));
  CheckInvalid(ParseVideoTagHeader(Bytes{0x1C, 0x01, 0, 0}));
  CheckInvalid(ParseVideoTagHeader(Bytes{0x1C, 0x03, 0, 0, 0}));  // No packet type 3.
  CheckInvalid(ParseVideoTagHeader(Bytes{0x17, 0x07, 0, 0, 0}));
  CHECK(ParseVideoTagHeader(Bytes{0x17}).ok());  // flvdemux skips it, as it always did.
}

TEST_CASE("Enhanced RTMP headers: FourCC, packet types, composition time only in CodedFrames") {
  // IsExHeader | keyframe | SequenceStart, 'hvc1', then the record.
  absl::StatusOr<VideoTagHeader> start = ParseVideoTagHeader(Bytes{0x90, 'h', 'v', 'c', '1', 1});
  REQUIRE(start.ok());
  CHECK(start->enhanced);
  CHECK(start->keyframe());
  CHECK(start->codec == VideoCodec::kHevc);
  CHECK(start->fourcc == "hvc1");
  CHECK(start->packet == VideoPacket::kSequenceStart);
  CHECK(start->body_offset == 5);
  // Inter frame, CodedFrames: SI24 composition time (here −33 ms), then the NAL units.
  absl::StatusOr<VideoTagHeader> coded =
      ParseVideoTagHeader(Bytes{0xA1, 'h', 'v', 'c', '1', 0xFF, 0xFF, 0xDF, 0, 0, 0, 2, 0x02, 1});
  REQUIRE(coded.ok());
  CHECK_FALSE(coded->keyframe());
  CHECK(coded->packet == VideoPacket::kCodedFrames);
  CHECK(coded->composition_time_ms == -33);
  CHECK(coded->body_offset == 8);
  // CodedFramesX: no composition time on the wire, the NAL units at once.
  absl::StatusOr<VideoTagHeader> x = ParseVideoTagHeader(Bytes{0x93, 'h', 'v', 'c', '1', 0, 0});
  REQUIRE(x.ok());
  CHECK(x->packet == VideoPacket::kCodedFramesX);
  CHECK(x->composition_time_ms == 0);
  CHECK(x->body_offset == 5);
  // SequenceEnd, Metadata (HDR colour info), other codecs by FourCC.
  CHECK(ParseVideoTagHeader(Bytes{0x92, 'h', 'v', 'c', '1'})->packet == VideoPacket::kSequenceEnd);
  CHECK(ParseVideoTagHeader(Bytes{0x94, 'h', 'v', 'c', '1', 2})->packet == VideoPacket::kMetadata);
  CHECK(ParseVideoTagHeader(Bytes{0x90, 'a', 'v', '0', '1'})->codec == VideoCodec::kAv1);
  CHECK(ParseVideoTagHeader(Bytes{0x90, 'v', 'p', '0', '9'})->codec == VideoCodec::kVp9);
  CHECK(ParseVideoTagHeader(Bytes{0x90, 'a', 'v', 'c', '1'})->codec == VideoCodec::kAvc);
  // AV1 coded frames carry no composition time.
  CHECK(ParseVideoTagHeader(Bytes{0x91, 'a', 'v', '0', '1'})->body_offset == 5);
  // An unprintable FourCC is shown safely.
  CHECK(ParseVideoTagHeader(Bytes{0x90, 0x00, 'x', 0x7F, '\n'})->fourcc == "?x??");
  // v2: a command frame (no FourCC), multitrack and ModEx recognised.
  CHECK(ParseVideoTagHeader(Bytes{0xD0, 0x01})->packet == VideoPacket::kCommand);
  CHECK(ParseVideoTagHeader(Bytes{0x96, 0x00})->packet == VideoPacket::kMultitrack);
  CHECK(ParseVideoTagHeader(Bytes{0x97})->packet == VideoPacket::kModEx);
}

TEST_CASE("Malformed enhanced RTMP headers are refused, never read past the end") {
  CheckInvalid(ParseVideoTagHeader(Bytes{0x90}));                      // No FourCC.
  CheckInvalid(ParseVideoTagHeader(Bytes{0x90, 'h', 'v', 'c'}));       // A short FourCC.
  CheckInvalid(ParseVideoTagHeader(Bytes{0x91, 'h', 'v', 'c', '1'}));  // No composition time.
  CheckInvalid(ParseVideoTagHeader(Bytes{0x91, 'h', 'v', 'c', '1', 0, 0}));
  CheckInvalid(ParseVideoTagHeader(Bytes{0x98, 'h', 'v', 'c', '1'}));  // Packet type 8.
  CheckInvalid(ParseVideoTagHeader(Bytes{0x9F, 'h', 'v', 'c', '1'}));
  CheckInvalid(ParseVideoTagHeader(Bytes{0xD0}));  // A command frame without its command.
  // Every prefix of a valid header either parses or is refused: none reads beyond it.
  const Bytes whole{0xA1, 'h', 'v', 'c', '1', 0, 0, 40, 0, 0, 0, 1, 0x26};
  for (size_t n = 1; n <= whole.size(); ++n) {
    absl::StatusOr<VideoTagHeader> h = ParseVideoTagHeader(std::span(whole.data(), n));
    if (h.ok()) CHECK(h->body_offset <= n);
  }
}

// An hvcC record (ISO/IEC 14496-15) as x265 streams get it: Main profile, 4-byte NAL lengths,
// one VPS, SPS and PPS.
Bytes HevcRecord() {
  Bytes r = {0x01, 0x01, 0x60, 0,    0,    0,    0x90, 0,    0,    0,    0,   0,
             0x3F, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x03};
  auto array = [&r](uint8_t type, Bytes nal) {
    r.push_back(0x80 | type);
    r.push_back(0);
    r.push_back(1);
    r.push_back(static_cast<uint8_t>(nal.size() >> 8));
    r.push_back(static_cast<uint8_t>(nal.size()));
    r.insert(r.end(), nal.begin(), nal.end());
  };
  array(32, {0x40, 0x01, 0x0C, 0x01, 0xFF, 0xFF});
  array(33, {0x42, 0x01, 0x01, 0x01, 0x60, 0, 0, 3, 0, 0x90, 0, 0, 3, 0, 0, 3, 0, 0x3F});
  array(34, {0x44, 0x01, 0xC1, 0x72, 0xB4, 0x62, 0x40});
  return r;
}

TEST_CASE("An HEVC configuration record is checked whole before HEVC is taken") {
  const Bytes good = HevcRecord();
  CHECK(CheckHevcConfigurationRecord(good).ok());
  // Every truncation is refused (each cuts the record inside an array).
  for (size_t n = 0; n < good.size(); ++n) {
    INFO("first " << n << " bytes");
    CheckInvalid(CheckHevcConfigurationRecord(std::span(good.data(), n)));
  }
  Bytes version = good;
  version[0] = 0;
  CheckInvalid(CheckHevcConfigurationRecord(version));
  Bytes three_byte_lengths = good;
  three_byte_lengths[21] = 0x0E;  // lengthSizeMinusOne 2 does not exist.
  CheckInvalid(CheckHevcConfigurationRecord(three_byte_lengths));
  Bytes no_sps = good;
  no_sps[23 + 3 + 2 + 6] = 0x80 | 39;  // The SPS array now says SEI.
  CheckInvalid(CheckHevcConfigurationRecord(no_sps));
  Bytes too_many_arrays = good;
  too_many_arrays[22] = 4;
  CheckInvalid(CheckHevcConfigurationRecord(too_many_arrays));
  Bytes huge_count = good;
  huge_count[24] = 0xFF;  // 65,280 VPS units announced in a record of 70 bytes.
  CheckInvalid(CheckHevcConfigurationRecord(huge_count));
}

}  // namespace
}  // namespace shopcast::video_ingest::rtmp
