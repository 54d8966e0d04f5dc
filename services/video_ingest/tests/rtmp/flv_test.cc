#include "rtmp/flv.h"

#include <catch2/catch.hpp>

#include "rtmp/amf0.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Amf0(const std::vector<Amf0Value>& values) {
  Bytes out;
  for (const Amf0Value& v : values) EncodeAmf0(v, out);
  return out;
}

Bytes TagBytes(uint8_t type, uint32_t ts, const Bytes& data) {
  const auto n = static_cast<uint32_t>(data.size());
  Bytes out = {type,
               uint8_t(n >> 16),
               uint8_t(n >> 8),
               uint8_t(n),
               uint8_t(ts >> 16),
               uint8_t(ts >> 8),
               uint8_t(ts),
               uint8_t(ts >> 24),
               0,
               0,
               0};
  out.insert(out.end(), data.begin(), data.end());
  const uint32_t prev = n + 11;
  out.insert(out.end(),
             {uint8_t(prev >> 24), uint8_t(prev >> 16), uint8_t(prev >> 8), uint8_t(prev)});
  return out;
}

}  // namespace

TEST_CASE("The FLV header announces version 1 and the tracks, then PreviousTagSize0") {
  FlvWriter writer;
  Bytes out;
  writer.WriteHeader(0x05, out);
  CHECK(out == Bytes{'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0});
  Bytes audio_only;
  writer.WriteHeader(0x04, audio_only);
  CHECK(audio_only == Bytes{'F', 'L', 'V', 1, 0x04, 0, 0, 0, 9, 0, 0, 0, 0});
}

TEST_CASE("Audio and video messages become FLV tags with a 24+8 bit timestamp") {
  FlvWriter writer;
  Bytes out;
  Message video{.chunk_stream_id = 6,
                .type = kVideo,
                .stream_id = 1,
                .timestamp = 0x01020304,
                .payload = {0x17, 0x01}};
  REQUIRE(writer.WriteTag(video, out).ok());
  CHECK(out == Bytes{9, 0, 0, 2, 0x02, 0x03, 0x04, 0x01, 0, 0, 0, 0x17, 0x01, 0, 0, 0, 13});
  Message audio{.chunk_stream_id = 4,
                .type = kAudio,
                .stream_id = 1,
                .timestamp = 23,
                .payload = {0xAF, 0x01, 0x21}};
  Bytes audio_out;
  REQUIRE(writer.WriteTag(audio, audio_out).ok());
  CHECK(audio_out == TagBytes(8, 23, audio.payload));
}

TEST_CASE("@setDataFrame is stripped so the tag holds onMetaData and its array verbatim") {
  Amf0EcmaArray meta;
  meta.properties = {{"width", Amf0Value{1280.0}}, {"height", Amf0Value{720.0}}};
  const Bytes stored = Amf0({Amf0Value{std::string("onMetaData")}, Amf0Value{meta}});
  Message data{.chunk_stream_id = 4,
               .type = kDataAmf0,
               .stream_id = 1,
               .timestamp = 0,
               .payload = Amf0({Amf0Value{std::string("@setDataFrame")}})};
  data.payload.insert(data.payload.end(), stored.begin(), stored.end());
  FlvWriter writer;
  Bytes out;
  REQUIRE(writer.WriteTag(data, out).ok());
  CHECK(out == TagBytes(18, 0, stored));

  // Script data sent without the instruction passes as it is.
  Message plain{
      .chunk_stream_id = 4, .type = kDataAmf0, .stream_id = 1, .timestamp = 5, .payload = stored};
  Bytes plain_out;
  REQUIRE(writer.WriteTag(plain, plain_out).ok());
  CHECK(plain_out == TagBytes(18, 5, stored));
}

TEST_CASE("Messages that are not media or script data are ignored") {
  FlvWriter writer;
  Bytes out;
  for (uint8_t type : {kCommandAmf0, kSetChunkSize, kUserControl, kDataAmf3, kAggregate}) {
    CHECK(writer.WriteTag(Message{.type = type, .payload = {1, 2, 3}}, out).ok());
  }
  CHECK(out.empty());
}

TEST_CASE("A payload over 2^24-1 bytes is refused") {
  FlvWriter writer;
  Bytes out;
  Message big{.type = kVideo, .payload = Bytes(size_t{1} << 24, 0)};
  CHECK(ReasonOf(writer.WriteTag(big, out)) == "FLV_TAG_TOO_LARGE");
  CHECK(out.empty());
  big.payload.pop_back();
  CHECK(writer.WriteTag(big, out).ok());
  CHECK(out.size() == 11 + big.payload.size() + 4);
}

}  // namespace shopcast::video_ingest::rtmp
