#pragma once

// What a session's parsers said about its media (sizes, rates, codec strings), gathered until
// it is complete enough to report once as MediaInfo: when the tracks are known and each known
// track has its caps (video also its codec string from the first SPS: H.264's avc1 or HEVC's
// hvc1). Pure; unit-tested.

#include <optional>
#include <span>
#include <string>

#include "publish/segment.h"

namespace shopcast::video_ingest::media {

class MediaFacts {
 public:
  struct Video {
    int width = 0;
    int height = 0;
    double frame_rate = 0;
    std::string profile;  // GStreamer's caps names ("high", "3.1"), for when no SPS shows.
    std::string level;
  };
  struct Audio {
    int sample_rate = 0;
    int channels = 0;
    int object_type = 0;  // MPEG-4 audio object type; 0 while unknown.
  };

  enum class VideoCodec { kH264, kHevc };

  // H.264 unless told otherwise (before the first video buffer: it decides how the SPS is read).
  void SetVideoCodec(VideoCodec codec) { video_codec_ = codec; }
  void SetVideo(Video video);
  void SetAudio(Audio audio);
  // The codec string (avc1.… or hvc1.…) comes from the first video buffer that carries an SPS.
  bool needs_sps() const { return video_codec_string_.empty(); }
  void ObserveVideoBuffer(std::span<const uint8_t> annex_b);

  // The MediaInfo for a session with these tracks, once the facts are complete (or, with
  // `force`, whatever is known: a segment is being published now).
  std::optional<MediaInfo> Report(bool video, bool audio, bool tracks_settled, bool force) const;

 private:
  std::optional<Video> video_;
  std::optional<Audio> audio_;
  VideoCodec video_codec_ = VideoCodec::kH264;
  std::string video_codec_string_;
};

}  // namespace shopcast::video_ingest::media
