#pragma once

// The seam between the HLS origin and the thumbnailer (thumbnailer.h): a request for a stream's
// live picture (`/live/<id>/thumb.jpg`) whose file is missing or old asks for a render of the
// stream's latest keyframe, and is answered when that is written. The origin only parks and
// answers; what is rendered, when and on which thread is the thumbnailer's.

#include <functional>
#include <string>

namespace shopcast::video_ingest::media {

// File names in the stream's folder (served by the origin as /live/<id>/<name>).
inline constexpr char kThumbnailFile[] = "thumb.jpg";
inline constexpr char kPosterFile[] = "poster.jpg";

class ThumbnailSource {
 public:
  virtual ~ThumbnailSource() = default;

  enum class Refresh {
    kRendering,   // `done` will be called once, from any thread, when the render ended
    kCurrent,     // thumb.jpg already shows the stream's latest keyframe: nothing to render
    kNoStream,    // no session of the stream is live in this process
    kNoKeyframe,  // live here, but no keyframe has come yet (audio so far, or just started)
    kBusy,        // the render queue is full: try later
  };

  // Asks for thumb.jpg to show `stream_id`'s latest keyframe. Concurrent callers of one stream
  // share one render (a render already in work answers them all). Never blocks on a render;
  // thread-safe. `done(written)`: true when thumb.jpg was replaced, false when the render
  // failed or the session ended first. It must only post (it may run under no lock of the
  // caller's, but on a worker thread that serves every stream).
  virtual Refresh RefreshThumbnail(const std::string& stream_id,
                                   std::function<void(bool written)> done) = 0;
};

}  // namespace shopcast::video_ingest::media
