// libFuzzer target for the native passthrough engine's input side (media/native_packager.h):
// FLV bytes split into tags (flv_feed.h), video tag headers (rtmp/video_tag.h), AVC
// configuration records, length-prefixed access units rewritten as Annex B, SPS facts, AAC
// configurations and ADTS framing (flv_remux.h), all muxed as MPEG-TS (ts_muxer.h), as the
// engine does for an encoder's FLV. No crash, no overread, output bounded by the input, and the
// muxer's output always whole 188-byte packets starting with the sync byte.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "media/flv_feed.h"
#include "media/flv_remux.h"
#include "media/ts_muxer.h"
#include "rtmp/video_tag.h"

namespace media = shopcast::video_ingest::media;
namespace rtmp = shopcast::video_ingest::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  media::FlvTagSplitter splitter;
  std::vector<media::FlvTag> tags;
  // Fed in two pieces, as a socket would hand them over.
  const size_t half = size / 2;
  if (!splitter.Feed(std::span<const uint8_t>(data, half), tags).ok()) return 0;
  if (!splitter.Feed(std::span<const uint8_t>(data + half, size - half), tags).ok()) return 0;
  {
    // The views the native packager takes give the same tags, in pieces of any size.
    media::FlvTagSplitter viewer;
    std::vector<media::FlvTagView> views;
    size_t seen = 0;
    uint64_t state = 1469598103934665603ull ^ size;
    for (size_t at = 0; at < size;) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      const size_t n = std::min<size_t>(1 + (state >> 33) % 300, size - at);
      views.clear();
      FUZZ_CHECK(viewer.FeedViews(std::span<const uint8_t>(data + at, n), views).ok());
      for (const media::FlvTagView& v : views) {
        FUZZ_CHECK(seen < tags.size());
        const media::FlvTag& t = tags[seen++];
        FUZZ_CHECK(v.type == t.type && v.timestamp_ms == t.timestamp_ms);
        FUZZ_CHECK(std::equal(v.body.begin(), v.body.end(), t.body.begin(), t.body.end()));
      }
      at += n;
    }
    FUZZ_CHECK(seen == tags.size());
    FUZZ_CHECK(viewer.buffered_bytes() == splitter.buffered_bytes());
  }
  media::TsMuxer muxer(true, true);
  std::optional<media::AvcConfig> avc;
  std::optional<media::AacConfig> aac;
  std::vector<uint8_t> frame;
  std::vector<uint8_t> out;
  muxer.WriteTables(out);
  for (const media::FlvTag& tag : tags) {
    if (tag.body.empty()) continue;
    const int64_t t = static_cast<int64_t>(tag.timestamp_ms) * 1'000'000;
    frame.clear();
    if (tag.type == 9) {
      auto header = rtmp::ParseVideoTagHeader(tag.body);
      if (!header.ok() || header->codec != rtmp::VideoCodec::kAvc) continue;
      FUZZ_CHECK(header->body_offset <= tag.body.size());
      const auto body = std::span<const uint8_t>(tag.body).subspan(header->body_offset);
      if (header->packet == rtmp::VideoPacket::kSequenceStart) {
        auto config = media::ParseAvcConfig(body);
        if (config.ok()) {
          (void)media::ParseAvcSps(config->sps.front());
          avc = std::move(*config);
        }
      } else if (avc && (header->packet == rtmp::VideoPacket::kCodedFrames ||
                         header->packet == rtmp::VideoPacket::kCodedFramesX)) {
        if (!media::AppendAnnexB(*avc, body, header->keyframe(), frame).ok()) {
          FUZZ_CHECK(frame.empty());  // Nothing appended for a malformed unit.
          continue;
        }
        // Start codes, a delimiter and the parameter sets at most add to what was there.
        size_t sets = 0;
        for (const auto& s : avc->sps) sets += s.size() + 4;
        for (const auto& p : avc->pps) sets += p.size() + 4;
        FUZZ_CHECK(frame.size() <= 6 + sets + body.size() * 4);
        const int64_t pts = t + int64_t{header->composition_time_ms} * 1'000'000;
        muxer.WriteVideo(frame, pts < 0 ? 0 : pts, t, header->keyframe(), out);
      }
    } else if (tag.type == 8 && tag.body.size() >= 2 && (tag.body[0] >> 4) == 10) {
      const auto body = std::span<const uint8_t>(tag.body).subspan(2);
      if (tag.body[1] == 0) {
        auto config = media::ParseAacConfig(body);
        if (config.ok()) {
          FUZZ_CHECK(config->channels >= 1 && config->channels <= 7);
          aac = *config;
        }
      } else if (aac && media::AppendAdts(*aac, body, frame).ok()) {
        FUZZ_CHECK(frame.size() == body.size() + 7);
        muxer.WriteAudio(frame, t, out);
      }
    }
    FUZZ_CHECK(out.size() % 188 == 0);
    for (size_t i = 0; i < out.size(); i += 188) FUZZ_CHECK(out[i] == 0x47);
    out.clear();
  }
  return 0;
}
