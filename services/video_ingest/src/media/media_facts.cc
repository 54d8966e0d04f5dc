#include "media/media_facts.h"

#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "media/codec_strings.h"

namespace shopcast::video_ingest::media {

void MediaFacts::SetVideo(Video video) { video_ = std::move(video); }

void MediaFacts::SetAudio(Audio audio) { audio_ = std::move(audio); }

void MediaFacts::ObserveVideoBuffer(std::span<const uint8_t> annex_b) {
  if (!avc_codec_.empty()) return;
  if (std::optional<std::string> codec = AvcCodecFromAnnexB(annex_b)) avc_codec_ = *codec;
}

std::optional<MediaInfo> MediaFacts::Report(bool video, bool audio, bool tracks_settled,
                                            bool force) const {
  const bool ready = (tracks_settled || (video && audio)) && (video || audio) &&
                     (!video || (video_ && !avc_codec_.empty())) && (!audio || audio_);
  if (!ready && !force) return std::nullopt;
  MediaInfo info;
  std::vector<std::string> codecs;
  if (video) {
    std::string avc = avc_codec_;
    if (video_) {
      info.video_codec = "h264";
      info.width = video_->width;
      info.height = video_->height;
      info.frame_rate = video_->frame_rate;
      if (avc.empty()) avc = AvcCodecFromProfileLevel(video_->profile, video_->level).value_or("");
    }
    if (!avc.empty()) codecs.push_back(avc);
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
