#include "hevc_flv.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

namespace shopcast::video_ingest::media::testing {
namespace {

struct Frame {
  bool video = false;
  GstClockTime dts = GST_CLOCK_TIME_NONE;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  bool keyframe = false;
  std::vector<uint8_t> data;
};

std::vector<uint8_t> BufferBytes(GstBuffer* b) {
  GstMapInfo map;
  REQUIRE(gst_buffer_map(b, &map, GST_MAP_READ));
  std::vector<uint8_t> out(map.data, map.data + map.size);
  gst_buffer_unmap(b, &map);
  return out;
}

// Pulls every sample of `sink` until EOS; the codec_data of its caps into `config`.
void Drain(GstElement* sink, bool video, std::vector<Frame>& frames, std::vector<uint8_t>& config) {
  for (;;) {
    GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
    if (sample == nullptr) return;  // EOS
    if (config.empty()) {
      const GstStructure* s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
      const GValue* v = gst_structure_get_value(s, "codec_data");
      REQUIRE(v != nullptr);
      config = BufferBytes(gst_value_get_buffer(v));
    }
    GstBuffer* b = gst_sample_get_buffer(sample);
    Frame f;
    f.video = video;
    f.pts = GST_BUFFER_PTS(b);
    f.dts = GST_BUFFER_DTS_IS_VALID(b) ? GST_BUFFER_DTS(b) : f.pts;
    f.keyframe = !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
    f.data = BufferBytes(b);
    frames.push_back(std::move(f));
    gst_sample_unref(sample);
  }
}

void PutU24(uint32_t v, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

std::vector<FlvTagBytes> EnhancedHevcTags(const std::filesystem::path& ts) {
  gst_init(nullptr, nullptr);
  const std::string description =
      "filesrc location=\"" + ts.string() +
      "\" ! tsdemux name=d d. ! queue ! h265parse ! "
      "video/x-h265,stream-format=hvc1,alignment=au ! appsink name=v sync=false "
      "d. ! queue ! aacparse ! audio/mpeg,stream-format=raw ! appsink name=a sync=false";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  REQUIRE(error == nullptr);
  GstElement* v = gst_bin_get_by_name(GST_BIN(pipeline), "v");
  GstElement* a = gst_bin_get_by_name(GST_BIN(pipeline), "a");
  REQUIRE(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  std::vector<Frame> frames;
  std::vector<uint8_t> hvcc;
  std::vector<uint8_t> asc;
  Drain(v, true, frames, hvcc);  // Appsinks queue without limit: draining one cannot block.
  Drain(a, false, frames, asc);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(v);
  gst_object_unref(a);
  gst_object_unref(pipeline);
  REQUIRE(!hvcc.empty());
  REQUIRE(!asc.empty());

  GstClockTime base = GST_CLOCK_TIME_NONE;
  for (const Frame& f : frames) base = std::min(base, f.dts);
  std::vector<FlvTagBytes> tags;
  std::vector<uint8_t> start = {0x90, 'h', 'v', 'c', '1'};  // IsExHeader | key | SequenceStart
  start.insert(start.end(), hvcc.begin(), hvcc.end());
  tags.push_back({9, 0, start});
  std::vector<uint8_t> aac = {0xAF, 0x00};
  aac.insert(aac.end(), asc.begin(), asc.end());
  tags.push_back({8, 0, aac});
  std::vector<FlvTagBytes> media;
  for (const Frame& f : frames) {
    FlvTagBytes t;
    t.type = f.video ? 9 : 8;
    t.timestamp_ms = static_cast<uint32_t>((f.dts - base) / GST_MSECOND);
    if (f.video) {
      const int64_t cts = (static_cast<int64_t>(f.pts) - static_cast<int64_t>(f.dts)) /
                          static_cast<int64_t>(GST_MSECOND);
      const uint8_t frame_type = f.keyframe ? 0x10 : 0x20;
      if (cts != 0) {
        t.body = {static_cast<uint8_t>(0x80 | frame_type | 1), 'h', 'v', 'c', '1'};
        PutU24(static_cast<uint32_t>(cts) & 0xFFFFFF, t.body);
      } else {
        t.body = {static_cast<uint8_t>(0x80 | frame_type | 3), 'h', 'v', 'c', '1'};
      }
    } else {
      t.body = {0xAF, 0x01};
    }
    t.body.insert(t.body.end(), f.data.begin(), f.data.end());
    media.push_back(std::move(t));
  }
  std::stable_sort(media.begin(), media.end(), [](const FlvTagBytes& x, const FlvTagBytes& y) {
    return x.timestamp_ms < y.timestamp_ms;
  });
  tags.insert(tags.end(), media.begin(), media.end());
  return tags;
}

std::vector<uint8_t> FlvBytes(const std::vector<FlvTagBytes>& tags) {
  std::vector<uint8_t> out = {'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0};
  for (const FlvTagBytes& t : tags) {
    out.push_back(t.type);
    PutU24(static_cast<uint32_t>(t.body.size()), out);
    PutU24(t.timestamp_ms & 0xFFFFFF, out);
    out.push_back(static_cast<uint8_t>(t.timestamp_ms >> 24));
    PutU24(0, out);
    out.insert(out.end(), t.body.begin(), t.body.end());
    const uint32_t previous = static_cast<uint32_t>(t.body.size() + 11);
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<uint8_t>(previous >> shift));
  }
  return out;
}

}  // namespace shopcast::video_ingest::media::testing
