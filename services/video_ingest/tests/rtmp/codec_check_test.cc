#include "rtmp/codec_check.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "rtmp/amf0.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

Message Tag(uint8_t type, uint32_t ts, std::vector<uint8_t> payload) {
  return Message{4, type, 1, ts, std::move(payload)};
}
// An AVC sequence header's first bytes (keyframe, codec 7, packet type 0).
Message Avc(uint32_t ts = 0) { return Tag(kVideo, ts, {0x17, 0x00, 0, 0, 0, 1, 0x64}); }
// An AAC sequence header (format 10, 44.1 kHz, 16 bit, stereo, packet type 0).
Message Aac(uint32_t ts = 0) { return Tag(kAudio, ts, {0xAF, 0x00, 0x12, 0x10}); }

Message Metadata(bool video, bool audio) {
  Amf0Properties p;
  p.emplace_back("duration", Amf0Value{0.0});
  if (video) p.emplace_back("videocodecid", Amf0Value{7.0});
  if (audio) p.emplace_back("audiocodecid", Amf0Value{10.0});
  std::vector<uint8_t> out;
  EncodeAmf0(Amf0Value{std::string("@setDataFrame")}, out);
  EncodeAmf0(Amf0Value{std::string("onMetaData")}, out);
  EncodeAmf0(Amf0Value{Amf0EcmaArray{std::move(p)}}, out);
  return Tag(kDataAmf0, 0, std::move(out));
}

void CheckRefused(const absl::Status& s, const std::string& names) {
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(s) == "UNSUPPORTED_CODEC");
  CHECK(absl::StrContains(s.message(), names));
}

TEST_CASE("H.264 with AAC passes, in either order, metadata or not") {
  CodecCheck a;
  CHECK(a.Inspect(Metadata(true, true)).ok());
  CHECK(a.Inspect(Aac()).ok());
  CHECK(a.Inspect(Avc()).ok());
  for (uint32_t ts = 0; ts < 10000; ts += 23) CHECK(a.Inspect(Aac(ts)).ok());

  CodecCheck b;  // Video only is fine too.
  CHECK(b.Inspect(Avc()).ok());
  CHECK(b.Inspect(Tag(kVideo, 33, {0x27, 0x01, 0, 0, 0})).ok());
}

TEST_CASE("HEVC is refused from its first tag, legacy id 12 or enhanced RTMP 'hvc1'") {
  CodecCheck legacy;
  CHECK(legacy.Inspect(Aac()).ok());
  CheckRefused(legacy.Inspect(Tag(kVideo, 0, {0x1C, 0x00, 0, 0, 0})), "HEVC");
  // Every later message gets the same answer.
  CheckRefused(legacy.Inspect(Aac(20)), "HEVC");

  CodecCheck enhanced;  // IsExHeader | keyframe, PacketTypeSequenceStart, then the FourCC.
  CheckRefused(enhanced.Inspect(Tag(kVideo, 0, {0x90, 'h', 'v', 'c', '1', 1, 2})), "HEVC");
  CodecCheck av1;
  CheckRefused(av1.Inspect(Tag(kVideo, 0, {0x90, 'a', 'v', '0', '1'})), "AV1");
  CodecCheck h263;
  CheckRefused(h263.Inspect(Tag(kVideo, 0, {0x12, 0, 0})), "H.263");
}

TEST_CASE("audio other than AAC is refused by name") {
  CodecCheck mp3;
  CHECK(mp3.Inspect(Avc()).ok());
  CheckRefused(mp3.Inspect(Tag(kAudio, 0, {0x2F, 0xFF})), "MP3");
  CodecCheck opus;  // Enhanced RTMP v2: sound format 9, then the FourCC.
  CheckRefused(opus.Inspect(Tag(kAudio, 0, {0x90, 'O', 'p', 'u', 's'})), "Opus");
}

constexpr uint8_t kBoth = CodecCheck::kFlvAudio | CodecCheck::kFlvVideo;

TEST_CASE("The tracks are known at the first video tag, whatever came before") {
  CodecCheck c;
  CHECK(c.Inspect(Metadata(true, true)).ok());
  CHECK(c.Inspect(Aac()).ok());
  CHECK(!c.track_flags().has_value());  // Video may still come.
  CHECK(c.Inspect(Avc()).ok());
  CHECK(c.track_flags() == kBoth);

  CodecCheck video_only;
  CHECK(video_only.Inspect(Avc()).ok());
  CHECK(video_only.track_flags() == kBoth);  // Audio may follow; the packager takes either.
}

TEST_CASE("Audio-only is accepted at the first audio tag when the metadata says so") {
  CodecCheck c;
  CHECK(c.Inspect(Metadata(false, true)).ok());
  CHECK(!c.track_flags().has_value());
  CHECK(c.Inspect(Aac()).ok());
  CHECK(c.track_flags() == CodecCheck::kFlvAudio);
  // Metadata after the media started is no announcement.
  CodecCheck late;
  CHECK(late.Inspect(Aac()).ok());
  CHECK(late.Inspect(Metadata(false, true)).ok());
  CHECK(late.Inspect(Aac(23)).ok());
  CHECK(!late.track_flags().has_value());
}

TEST_CASE("Audio-only without metadata is decided once audio covers two seconds") {
  CodecCheck c;
  uint32_t ts = 0;
  for (; ts < 10000 && !c.track_flags(); ts += 23) CHECK(c.Inspect(Aac(ts)).ok());
  CHECK(c.track_flags() == CodecCheck::kFlvAudio);
  CHECK(ts - 23 >= CodecCheck::kAudioOnlyAfterMs);
  CHECK(ts - 23 < CodecCheck::kAudioOnlyAfterMs + 50);

  // Timestamps that never advance: decided by the tag count instead.
  CodecCheck frozen;
  int tags = 0;
  for (; tags < 1000 && !frozen.track_flags(); ++tags) CHECK(frozen.Inspect(Aac(0)).ok());
  CHECK(tags == CodecCheck::kAudioOnlyAfterTags);

  // Audio first for a moment, then video: a normal stream.
  CodecCheck late_video;
  for (ts = 0; ts < 1000; ts += 23) CHECK(late_video.Inspect(Aac(ts)).ok());
  CHECK(late_video.Inspect(Avc(ts)).ok());
  CHECK(late_video.track_flags() == kBoth);
  for (; ts < 10000; ts += 23) CHECK(late_video.Inspect(Aac(ts)).ok());
  CHECK(late_video.track_flags() == kBoth);
}

TEST_CASE("A stream that ends undecided is announced by what it sent") {
  CodecCheck audio;
  CHECK(audio.Inspect(Aac()).ok());
  CHECK(audio.track_flags_at_end() == CodecCheck::kFlvAudio);
  CodecCheck nothing;
  CHECK(nothing.Inspect(Metadata(true, true)).ok());
  CHECK(nothing.track_flags_at_end() == kBoth);
}

// HEVC input ---------------------------------------------------------------------------------

// A minimal valid hvcC: the 23 fixed bytes (Main, 4-byte NAL lengths) and one SPS array.
std::vector<uint8_t> HevcRecord() {
  return {0x01, 0x01, 0x60, 0,    0,    0,    0x90, 0,    0,    0,    0,
          0,    0x3F, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F,
          0x01, 0xA1, 0x00, 0x01, 0x00, 0x04, 0x42, 0x01, 0x01, 0x01};
}
// Enhanced RTMP: IsExHeader | keyframe | SequenceStart, 'hvc1', the record.
Message HevcStart(uint32_t ts = 0) {
  std::vector<uint8_t> p = {0x90, 'h', 'v', 'c', '1'};
  const std::vector<uint8_t> record = HevcRecord();
  p.insert(p.end(), record.begin(), record.end());
  return Tag(kVideo, ts, std::move(p));
}
// CodedFrames (inter frame, composition time 33 ms) and CodedFramesX (keyframe).
Message HevcFrame(uint32_t ts) {
  return Tag(kVideo, ts, {0xA1, 'h', 'v', 'c', '1', 0, 0, 33, 0, 0, 0, 2, 0x02, 0x01});
}
Message HevcFrameX(uint32_t ts) {
  return Tag(kVideo, ts, {0x93, 'h', 'v', 'c', '1', 0, 0, 0, 2, 0x26, 0x01});
}

CodecCheck Accepting() { return CodecCheck(CodecCheckOptions{CodecCheckOptions::Hevc::kAccepted}); }

void CheckMalformed(const absl::Status& s) {
  INFO(s.ToString());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(s) == "RTMP_VIDEO_TAG_INVALID");
}

TEST_CASE("HEVC is refused by default, and over RTMP with a pointer to SRT when SRT takes it") {
  CodecCheck passthrough_only;
  CheckRefused(passthrough_only.Inspect(HevcStart()), "HEVC (H.265) video is not supported");
  CodecCheck srt_only(CodecCheckOptions{CodecCheckOptions::Hevc::kSrtOnly});
  const absl::Status s = srt_only.Inspect(HevcStart());
  CheckRefused(s, "HEVC (H.265) video over RTMP is not supported yet; publish HEVC over SRT");
  CHECK(absl::StrContains(s.message(), "send H.264 video with AAC audio"));
  CodecCheck legacy(CodecCheckOptions{CodecCheckOptions::Hevc::kSrtOnly});
  CheckRefused(legacy.Inspect(Tag(kVideo, 0, {0x1C, 0x00, 0, 0, 0})), "over SRT");
}

TEST_CASE("Accepted HEVC passes from its sequence start, enhanced or legacy id 12") {
  CodecCheck c = Accepting();
  CHECK(c.Inspect(Metadata(true, true)).ok());
  CHECK(c.Inspect(Aac()).ok());
  CHECK(c.Inspect(HevcStart()).ok());
  CHECK(c.video_codec() == VideoCodec::kHevc);
  CHECK(c.track_flags() == kBoth);
  for (uint32_t ts = 33; ts < 3000; ts += 33) {
    CHECK(c.Inspect(ts % 990 == 0 ? HevcFrameX(ts) : HevcFrame(ts)).ok());
    CHECK(c.Inspect(Aac(ts)).ok());
  }
  // HDR metadata, a command frame, the sequence end and a new sequence start all pass.
  CHECK(c.Inspect(Tag(kVideo, 3000, {0x94, 'h', 'v', 'c', '1', 0x02})).ok());
  CHECK(c.Inspect(Tag(kVideo, 3000, {0xD0, 0x01})).ok());
  CHECK(c.Inspect(Tag(kVideo, 3000, {0x92, 'h', 'v', 'c', '1'})).ok());
  CHECK(c.Inspect(HevcStart(3033)).ok());

  CodecCheck legacy = Accepting();  // Legacy codec id 12: the AVC layout with HEVC inside.
  std::vector<uint8_t> start = {0x1C, 0x00, 0, 0, 0};
  const std::vector<uint8_t> record = HevcRecord();
  start.insert(start.end(), record.begin(), record.end());
  CHECK(legacy.Inspect(Tag(kVideo, 0, start)).ok());
  CHECK(legacy.Inspect(Tag(kVideo, 33, {0x2C, 0x01, 0, 0, 33, 0, 0, 0, 1, 0x02})).ok());
  CHECK(legacy.video_codec() == VideoCodec::kHevc);
}

TEST_CASE("Accepted HEVC still needs a whole configuration before its frames") {
  CodecCheck frames_first = Accepting();
  CheckMalformed(frames_first.Inspect(HevcFrame(0)));
  CheckMalformed(frames_first.Inspect(HevcStart(33)));  // Once refused, always.

  CodecCheck cut = Accepting();
  Message start = HevcStart();
  start.payload.resize(start.payload.size() - 1);
  CheckMalformed(cut.Inspect(start));

  CodecCheck short_header = Accepting();
  CheckMalformed(short_header.Inspect(Tag(kVideo, 0, {0x91, 'h', 'v', 'c', '1', 0})));

  CodecCheck ts_start = Accepting();  // MPEG-2 TS style configuration: not what we take.
  CheckRefused(ts_start.Inspect(Tag(kVideo, 0, {0x95, 'h', 'v', 'c', '1', 0})), "MPEG-2 TS");

  CodecCheck multitrack = Accepting();
  CheckRefused(multitrack.Inspect(Tag(kVideo, 0, {0x96, 0x00, 'h', 'v', 'c', '1'})), "multitrack");
}

TEST_CASE("A video codec changing mid-stream is refused, AV1 and VP9 even with HEVC accepted") {
  CodecCheck avc_then_hevc = Accepting();
  CHECK(avc_then_hevc.Inspect(Avc()).ok());
  CheckRefused(avc_then_hevc.Inspect(HevcStart(33)), "after another video codec");
  CodecCheck hevc_then_avc = Accepting();
  CHECK(hevc_then_avc.Inspect(HevcStart()).ok());
  CheckRefused(hevc_then_avc.Inspect(Avc(33)), "after another video codec");
  CodecCheck av1 = Accepting();
  CheckRefused(av1.Inspect(Tag(kVideo, 0, {0x90, 'a', 'v', '0', '1'})), "AV1");
  CodecCheck vp9 = Accepting();
  CheckRefused(vp9.Inspect(Tag(kVideo, 0, {0x90, 'v', 'p', '0', '9'})), "VP9");
}

}  // namespace
}  // namespace shopcast::video_ingest::rtmp
