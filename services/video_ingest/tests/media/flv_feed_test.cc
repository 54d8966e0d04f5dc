#include "media/flv_feed.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

using Bytes = std::vector<uint8_t>;

void PutTag(uint8_t type, uint32_t ts, const Bytes& body, Bytes& out) {
  const uint32_t size = static_cast<uint32_t>(body.size());
  const Bytes header = {type,
                        static_cast<uint8_t>(size >> 16),
                        static_cast<uint8_t>(size >> 8),
                        static_cast<uint8_t>(size),
                        static_cast<uint8_t>(ts >> 16),
                        static_cast<uint8_t>(ts >> 8),
                        static_cast<uint8_t>(ts),
                        static_cast<uint8_t>(ts >> 24),
                        0,
                        0,
                        0};
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), body.begin(), body.end());
  const uint32_t previous = size + 11;
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(previous >> shift));
}

Bytes Stream() {
  Bytes flv = {'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0};
  PutTag(9, 0, {0x90, 'h', 'v', 'c', '1', 1, 2, 3}, flv);
  PutTag(8, 0, {0xAF, 0x00, 0x11, 0x90}, flv);
  PutTag(9, 33, {0xA1, 'h', 'v', 'c', '1', 0, 0, 66, 0, 0, 0, 2, 0x02, 0x01}, flv);
  PutTag(8, 0x01000021, {0xAF, 0x01, 0x21, 0x22}, flv);  // An extended timestamp.
  return flv;
}

TEST_CASE("FLV bytes in pieces of any size become the same tags", "[flv_feed]") {
  const Bytes flv = Stream();
  for (size_t piece : {size_t{1}, size_t{3}, size_t{11}, size_t{64}, flv.size()}) {
    INFO("pieces of " << piece);
    FlvTagSplitter splitter;
    std::vector<FlvTag> tags;
    for (size_t at = 0; at < flv.size(); at += piece) {
      const size_t n = std::min(piece, flv.size() - at);
      REQUIRE(splitter.Feed(std::span(flv.data() + at, n), tags).ok());
    }
    CHECK(splitter.track_flags() == 0x05);
    CHECK(splitter.buffered_bytes() == 0);
    REQUIRE(tags.size() == 4);
    CHECK(tags[0].type == 9);
    CHECK(tags[0].body == Bytes{0x90, 'h', 'v', 'c', '1', 1, 2, 3});
    CHECK(tags[2].timestamp_ms == 33);
    CHECK(tags[3].timestamp_ms == 0x01000021u);
    CHECK(tags[3].body == Bytes{0xAF, 0x01, 0x21, 0x22});
  }
}

TEST_CASE("FeedViews gives the same tags without copying whole ones", "[flv_feed]") {
  const Bytes flv = Stream();
  for (size_t piece : {size_t{1}, size_t{3}, size_t{11}, size_t{64}, flv.size()}) {
    INFO("pieces of " << piece);
    FlvTagSplitter splitter;
    std::vector<FlvTag> tags;  // Copied out of each call's views while they are valid.
    for (size_t at = 0; at < flv.size(); at += piece) {
      const size_t n = std::min(piece, flv.size() - at);
      std::vector<FlvTagView> views;
      REQUIRE(splitter.FeedViews(std::span(flv.data() + at, n), views).ok());
      for (const FlvTagView& v : views) {
        tags.push_back(FlvTag{v.type, v.timestamp_ms, Bytes(v.body.begin(), v.body.end())});
      }
    }
    CHECK(splitter.buffered_bytes() == 0);
    REQUIRE(tags.size() == 4);
    CHECK(tags[0].body == Bytes{0x90, 'h', 'v', 'c', '1', 1, 2, 3});
    CHECK(tags[1].body == Bytes{0xAF, 0x00, 0x11, 0x90});
    CHECK(tags[3].timestamp_ms == 0x01000021u);
    CHECK(tags[3].body == Bytes{0xAF, 0x01, 0x21, 0x22});
  }
  // Whole tags in one call: the views are the caller's bytes; a torn tail is kept for the next.
  FlvTagSplitter splitter;
  std::vector<FlvTagView> views;
  const size_t torn = flv.size() - 6;  // The last tag: two body bytes and its size missing.
  REQUIRE(splitter.FeedViews(std::span(flv.data(), torn), views).ok());
  REQUIRE(views.size() == 3);
  CHECK(views[0].body.data() >= flv.data());
  CHECK(views[2].body.data() + views[2].body.size() <= flv.data() + torn);
  CHECK(splitter.buffered_bytes() > 0);
  views.clear();
  REQUIRE(splitter.FeedViews(std::span(flv.data() + torn, 6), views).ok());
  REQUIRE(views.size() == 1);
  CHECK(Bytes(views[0].body.begin(), views[0].body.end()) == Bytes{0xAF, 0x01, 0x21, 0x22});
  CHECK(splitter.buffered_bytes() == 0);
}

TEST_CASE("The peek sees every tag's type, time and first byte, in pieces of any size",
          "[flv_feed]") {
  Bytes flv = Stream();
  PutTag(18, 40, {}, flv);  // An empty tag.
  PutTag(9, 66, {0x27, 1}, flv);
  for (size_t piece : {size_t{1}, size_t{3}, size_t{11}, size_t{64}, flv.size()}) {
    INFO("pieces of " << piece);
    FlvTagPeek peek;
    std::vector<FlvTagPeek::Tag> tags;
    for (size_t at = 0; at < flv.size(); at += piece) {
      const size_t n = std::min(piece, flv.size() - at);
      peek.Feed(std::span(flv.data() + at, n),
                [&tags](const FlvTagPeek::Tag& tag) { tags.push_back(tag); });
    }
    CHECK_FALSE(peek.broken());
    REQUIRE(tags.size() == 6);
    CHECK(tags[0].type == 9);
    CHECK(tags[0].first == 0x90);
    CHECK(tags[1].type == 8);
    CHECK(tags[2].timestamp_ms == 33);
    CHECK(tags[3].timestamp_ms == 0x01000021u);
    CHECK(tags[4].type == 18);
    CHECK(tags[4].first == 0);
    CHECK(tags[5].timestamp_ms == 66);
    CHECK(tags[5].first == 0x27);
  }
  // Whether the last tag seen is whole: its body in, only its PreviousTagSize may be missing.
  {
    Bytes one = Stream();
    const size_t body_start = one.size();
    PutTag(9, 100, {0x17, 1, 2, 3, 4, 5, 6, 7}, one);  // 11-byte header, 8 body bytes, size 4.
    FlvTagPeek peek;
    int seen = 0;
    auto count = [&seen](const FlvTagPeek::Tag&) { ++seen; };
    peek.Feed(std::span(one.data(), body_start), count);
    const int before = seen;
    peek.Feed(std::span(one.data() + body_start, 11 + 3), count);  // Header and 3 body bytes.
    CHECK(seen == before + 1);
    CHECK_FALSE(peek.body_complete());
    peek.Feed(std::span(one.data() + body_start + 14, 5), count);  // The rest of the body.
    CHECK(peek.body_complete());
    peek.Feed(std::span(one.data() + body_start + 19, one.size() - body_start - 19), count);
    CHECK(peek.body_complete());
  }
  FlvTagPeek not_flv;
  not_flv.Feed(Bytes{'G', 'I', 'F', '8', '9', 'a', 0, 0, 0}, [](const FlvTagPeek::Tag&) {});
  CHECK(not_flv.broken());
  FlvTagPeek long_header;  // 12-byte header: the 3 extra bytes are skipped.
  Bytes longer = {'F', 'L', 'V', 1, 0x01, 0, 0, 0, 12, 0xEE, 0xEE, 0xEE, 0, 0, 0, 0};
  PutTag(9, 5, {0x17, 1, 0, 0, 0}, longer);
  int seen = 0;
  long_header.Feed(longer, [&seen](const FlvTagPeek::Tag& tag) {
    ++seen;
    CHECK(tag.timestamp_ms == 5);
    CHECK(tag.first == 0x17);
  });
  CHECK(seen == 1);
}

TEST_CASE("What is not FLV is refused, and a header may be longer than 9 bytes", "[flv_feed]") {
  FlvTagSplitter not_flv;
  std::vector<FlvTag> tags;
  CHECK(ReasonOf(not_flv.Feed(Bytes{'G', 'I', 'F', '8', '9', 'a', 0, 0, 0}, tags)) ==
        "FLV_INVALID");
  FlvTagSplitter short_header;
  CHECK_FALSE(short_header.Feed(Bytes{'F', 'L', 'V', 1, 5, 0, 0, 0, 5}, tags).ok());
  FlvTagSplitter long_header;  // 12-byte header: the 3 extra bytes are skipped.
  Bytes flv = {'F', 'L', 'V', 1, 0x01, 0, 0, 0, 12, 0xEE, 0xEE, 0xEE, 0, 0, 0, 0};
  PutTag(9, 5, {0x17, 1, 0, 0, 0}, flv);
  REQUIRE(long_header.Feed(flv, tags).ok());
  REQUIRE(tags.size() == 1);
  CHECK(tags[0].timestamp_ms == 5);
  CHECK(long_header.track_flags() == 0x01);
}

TEST_CASE("HEVC tags become the parsers' units, composition times applied", "[flv_feed]") {
  ElementaryUnit u;
  const FlvTag tag1{9, 100, {0x90, 'h', 'v', 'c', '1', 1, 2, 3}};
  REQUIRE(ReadElementaryUnit(tag1, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kVideoConfig);
  CHECK(Bytes(u.data.begin(), u.data.end()) == Bytes{1, 2, 3});
  // CodedFrames, inter frame, composition time 66 ms.
  const FlvTag coded{9, 100, {0xA1, 'h', 'v', 'c', '1', 0, 0, 66, 0, 0, 0, 2, 0x02, 0x01}};
  REQUIRE(ReadElementaryUnit(coded, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kVideoFrame);
  CHECK_FALSE(u.keyframe);
  CHECK(u.dts_ms == 100);
  CHECK(u.pts_ms == 166);
  CHECK(u.data.size() == 6);
  // CodedFramesX, keyframe: no composition time.
  const FlvTag tag2{9, 200, {0x93, 'h', 'v', 'c', '1', 0, 0, 0, 2, 0x26, 0x01}};
  REQUIRE(ReadElementaryUnit(tag2, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kVideoFrame);
  CHECK(u.keyframe);
  CHECK(u.pts_ms == 200);
  // Legacy codec id 12: the AVC layout.
  const FlvTag tag3{9, 0, {0x1C, 0x01, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0x26}};
  REQUIRE(ReadElementaryUnit(tag3, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kVideoFrame);
  CHECK(u.pts_ms == -1);
  // Metadata, sequence end, commands and script data carry nothing.
  const FlvTag tag4{9, 0, {0x94, 'h', 'v', 'c', '1', 2}};
  REQUIRE(ReadElementaryUnit(tag4, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kNone);
  const FlvTag tag5{9, 0, {0x92, 'h', 'v', 'c', '1'}};
  REQUIRE(ReadElementaryUnit(tag5, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kNone);
  const FlvTag tag6{9, 0, {0xD0, 0x01}};
  REQUIRE(ReadElementaryUnit(tag6, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kNone);
  const FlvTag tag7{18, 0, {2, 0, 1, 'x'}};
  REQUIRE(ReadElementaryUnit(tag7, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kNone);
  // AAC: the configuration, then frames.
  const FlvTag tag8{8, 0, {0xAF, 0x00, 0x11, 0x90}};
  REQUIRE(ReadElementaryUnit(tag8, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kAudioConfig);
  const FlvTag tag9{8, 21, {0xAF, 0x01, 0x21}};
  REQUIRE(ReadElementaryUnit(tag9, u).ok());
  CHECK(u.kind == ElementaryUnit::Kind::kAudioFrame);
  CHECK(u.pts_ms == 21);
}

TEST_CASE("Malformed or foreign tags are refused, never read past", "[flv_feed]") {
  ElementaryUnit u;
  const FlvTag tag10{9, 0, {0x91, 'h', 'v', 'c', '1', 0}};
  CHECK(ReasonOf(ReadElementaryUnit(tag10, u)) == "FLV_INVALID");
  const FlvTag tag11{9, 0, {0x90, 'h', 'v'}};
  CHECK_FALSE(ReadElementaryUnit(tag11, u).ok());
  const FlvTag tag12{9, 0, {0x17, 0x01, 0, 0, 0, 1}};
  CHECK_FALSE(ReadElementaryUnit(tag12, u).ok());  // H.264
  const FlvTag tag13{8, 0, {0x2F, 0xFF}};
  CHECK_FALSE(ReadElementaryUnit(tag13, u).ok());  // MP3
  const FlvTag tag14{8, 0, {0xAF}};
  CHECK_FALSE(ReadElementaryUnit(tag14, u).ok());
  CHECK(IsHevcVideoTag(Bytes{0x90, 'h', 'v', 'c', '1'}));
  CHECK(IsHevcVideoTag(Bytes{0x1C, 0x00, 0, 0, 0}));
  CHECK_FALSE(IsHevcVideoTag(Bytes{0x17, 0x00, 0, 0, 0}));
  CHECK_FALSE(IsHevcVideoTag(Bytes{}));
  CHECK_FALSE(IsHevcVideoTag(Bytes{0x90, 'h'}));
}

}  // namespace
}  // namespace shopcast::video_ingest::media
