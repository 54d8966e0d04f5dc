#include "media/media_facts.h"

#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "media/codec_strings.h"

namespace shopcast::video_ingest::media {

void MediaFacts::SetVideo(Video video) { video_ = std::move(video); }

void MediaFacts::SetAudio(Audio audio) { audio_ = std::move(audio); }

void MediaFacts::ObserveVideoBuffer(std::span<const uint8_t> annex_b) {
  if (!video_codec_string_.empty()) return;
  std::optional<std::string> codec = video_codec_ == VideoCodec::kHevc
                                         ? HevcCodecFromAnnexB(annex_b)
                                         : AvcCodecFromAnnexB(annex_b);
  if (codec) video_codec_string_ = *codec;
}

std::optional<MediaInfo> MediaFacts::Report(bool video, bool audio, bool tracks_settled,
                                            bool force) const {
  const bool ready = (tracks_settled || (video && audio)) && (video || audio) &&
                     (!video || (video_ && !video_codec_string_.empty())) && (!audio || audio_);
  if (!ready && !force) return std::nullopt;
  MediaInfo info;
  std::vector<std::string> codecs;
  if (video) {
    const bool hevc = video_codec_ == VideoCodec::kHevc;
    std::string codec = video_codec_string_;
    if (video_) {
      info.video_codec = hevc ? "hevc" : "h264";
      info.width = video_->width;
      info.height = video_->height;
      info.frame_rate = video_->frame_rate;
      // Only H.264 has a stand-in from the caps; h265parse puts the SPS before every keyframe.
      if (codec.empty() && !hevc) {
        codec = AvcCodecFromProfileLevel(video_->profile, video_->level).value_or("");
      }
    }
    if (!codec.empty()) codecs.push_back(codec);
  }
  if (audio) {
    if (audio_) {
      info.audio_codec = "aac";
      info.audio_sample_rate = audio_->sample_rate;
      info.audio_channels = audio_->channels;
    }
    codecs.push_back(AacCodec(audio_ ? audio_->object_type : 0));
  }
  info.codecs = absl::StrJoin(codecs, ",");
  return info;
}

}  // namespace shopcast::video_ingest::media
