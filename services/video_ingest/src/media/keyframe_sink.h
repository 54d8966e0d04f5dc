#pragma once

#include <cstdint>
#include <span>

// Where a packager hands its parsed video keyframes for work beside the live path (thumbnails,
// thumbnailer.h). The packager only offers; the sink decides whether it wants this keyframe,
// takes a reference to it and returns at once, so the media thread never waits for it.

// GStreamer's types, declared as gst/gst.h does, so that packager.h (and the runtime that
// includes it) needs no GStreamer headers.
typedef struct _GstPad GstPad;
typedef struct _GstBuffer GstBuffer;

namespace shopcast::video_ingest::media {

class KeyframeSink {
 public:
  virtual ~KeyframeSink() = default;

  // From the video branch's streaming thread, for every parsed keyframe (a whole access unit,
  // with the parameter sets in band), its PTS already normalised to the session's timeline;
  // `pad` carries the stream's caps. Never blocks; never modifies or keeps `buffer` beyond a
  // reference of its own.
  virtual void OfferKeyframe(GstPad* pad, GstBuffer* buffer) = 0;

  // The same from a packager without GStreamer pads (the native passthrough engine,
  // native_packager.h): an H.264 access unit in Annex B with its SPS and PPS, `pts_ns` on the
  // session's timeline, the picture's size from the SPS (0 when unknown). Copies the bytes only
  // when it takes the keyframe. Sinks that only serve GStreamer packagers ignore it.
  virtual void OfferH264Keyframe(int64_t /*pts_ns*/, int /*width*/, int /*height*/,
                                 std::span<const uint8_t> /*annex_b*/) {}

  // The session's media is over (no more offers): finishes what was taken, for at most a short
  // bounded time. From a thread that may block (the packager's Finish caller).
  virtual void Finish() = 0;
};

}  // namespace shopcast::video_ingest::media
