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

}  // namespace
}  // namespace shopcast::video_ingest::rtmp
