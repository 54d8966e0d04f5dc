#pragma once

// What the two users of FFmpeg's libavcodec in this process share — the thumbnailer
// (thumbnailer.h) and the rendition ladder's decoder (ladder_decoder.h): owners for libav's
// objects, its error text, and where its log lines go. libavcodec is only ever called directly:
// never through gst-libav, whose libavformat maps Debian's second libsrt build into the process
// (see the README's Thumbnails).

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

#include <string>

#include "absl/strings/string_view.h"

namespace shopcast::video_ingest::media {

struct CodecContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

// libav's words for an error code.
std::string AvError(int code);

// libav's log lines are not ours to print (they are not structured): once installed, the first
// error libav raises on a thread inside a LibavErrors scope is kept there, everything else is
// dropped. Process-wide; idempotent. Call before the first libav use of each user.
void InstallLibavLogCapture();

// What libav says on this thread while in scope.
class LibavErrors {
 public:
  LibavErrors();
  ~LibavErrors();
  LibavErrors(const LibavErrors&) = delete;
  LibavErrors& operator=(const LibavErrors&) = delete;
  // `what`, and libav's own words when it said any.
  std::string Describe(absl::string_view what) const;

 private:
  std::string text_;
};

}  // namespace shopcast::video_ingest::media
