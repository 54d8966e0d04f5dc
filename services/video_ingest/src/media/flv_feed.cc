#include "media/flv_feed.h"

#include <string>

#include "rtmp/video_tag.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr size_t kHeaderBytes = 9;
constexpr size_t kTagHeaderBytes = 11;
constexpr size_t kPreviousTagSizeBytes = 4;
constexpr uint8_t kAudio = 8;
constexpr uint8_t kVideo = 9;
constexpr uint8_t kAacSoundFormat = 10;

absl::Status Invalid(const std::string& what) {
  return Error(absl::StatusCode::kInvalidArgument, "FLV_INVALID", what);
}

}  // namespace

absl::Status FlvTagSplitter::Feed(std::span<const uint8_t> bytes, std::vector<FlvTag>& out) {
  views_.clear();
  RETURN_IF_ERROR(FeedViews(bytes, views_));
  for (const FlvTagView& v : views_) {
    out.push_back(
        FlvTag{v.type, v.timestamp_ms, std::vector<uint8_t>(v.body.begin(), v.body.end())});
  }
  return absl::OkStatus();
}

absl::Status FlvTagSplitter::FeedViews(std::span<const uint8_t> bytes,
                                       std::vector<FlvTagView>& out) {
  // What the last call split may still be viewed until now.
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(consumed_));
  consumed_ = 0;
  if (pending_.empty()) {
    absl::StatusOr<size_t> used = Split(bytes, out);
    if (!used.ok()) return used.status();
    pending_.assign(bytes.begin() + static_cast<std::ptrdiff_t>(*used), bytes.end());
    return absl::OkStatus();
  }
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  absl::StatusOr<size_t> used = Split(pending_, out);
  if (!used.ok()) return used.status();
  consumed_ = *used;
  return absl::OkStatus();
}

absl::StatusOr<size_t> FlvTagSplitter::Split(std::span<const uint8_t> data,
                                             std::vector<FlvTagView>& out) {
  size_t at = 0;
  for (;;) {
    if (!track_flags_) {
      if (data.size() - at < kHeaderBytes) break;
      if (data[at] != 'F' || data[at + 1] != 'L' || data[at + 2] != 'V') {
        return Invalid("not an FLV stream");
      }
      const uint32_t header_size = (uint32_t{data[at + 5]} << 24) | (uint32_t{data[at + 6]} << 16) |
                                   (uint32_t{data[at + 7]} << 8) | data[at + 8];
      if (header_size < kHeaderBytes || header_size > 1024) {
        return Invalid("an FLV header of " + std::to_string(header_size) + " bytes");
      }
      track_flags_ = data[at + 4] & 0x05;
      at += kHeaderBytes;
      skip_ = header_size - kHeaderBytes + kPreviousTagSizeBytes;
    }
    const size_t dropped = std::min(skip_, data.size() - at);
    at += dropped;
    skip_ -= dropped;
    if (skip_ > 0 || data.size() - at < kTagHeaderBytes) break;
    const uint8_t* h = data.data() + at;
    const size_t size = (size_t{h[1]} << 16) | (size_t{h[2]} << 8) | h[3];
    if (data.size() - at < kTagHeaderBytes + size) break;
    FlvTagView tag;
    tag.type = h[0] & 0x1F;
    tag.timestamp_ms =
        (uint32_t{h[7]} << 24) | (uint32_t{h[4]} << 16) | (uint32_t{h[5]} << 8) | uint32_t{h[6]};
    tag.body = data.subspan(at + kTagHeaderBytes, size);
    out.push_back(tag);
    at += kTagHeaderBytes + size;
    skip_ = kPreviousTagSizeBytes;
  }
  return at;
}

bool IsHevcVideoTag(std::span<const uint8_t> body) {
  if (body.empty()) return false;
  absl::StatusOr<rtmp::VideoTagHeader> h = rtmp::ParseVideoTagHeader(body);
  return h.ok() && h->codec == rtmp::VideoCodec::kHevc;
}

absl::Status ReadElementaryUnit(const FlvTag& tag, ElementaryUnit& out) {
  out = ElementaryUnit{};
  const std::span<const uint8_t> body(tag.body);
  out.dts_ms = tag.timestamp_ms;
  out.pts_ms = tag.timestamp_ms;
  if (tag.type == kAudio) {
    if (body.empty()) return absl::OkStatus();
    if ((body[0] >> 4) != kAacSoundFormat) return Invalid("audio other than AAC");
    if (body.size() < 2) return Invalid("an AAC tag without its packet type");
    out.kind =
        body[1] == 0 ? ElementaryUnit::Kind::kAudioConfig : ElementaryUnit::Kind::kAudioFrame;
    out.keyframe = true;
    out.data = body.subspan(2);
    if (out.data.empty()) out.kind = ElementaryUnit::Kind::kNone;
    return absl::OkStatus();
  }
  if (tag.type != kVideo || body.empty()) return absl::OkStatus();
  absl::StatusOr<rtmp::VideoTagHeader> h = rtmp::ParseVideoTagHeader(body);
  if (!h.ok()) return Invalid(std::string(h.status().message()));
  if (h->packet == rtmp::VideoPacket::kCommand) return absl::OkStatus();
  if (h->codec != rtmp::VideoCodec::kHevc) return Invalid("video other than HEVC");
  out.data = body.subspan(h->body_offset);
  switch (h->packet) {
    case rtmp::VideoPacket::kSequenceStart:
      out.kind = ElementaryUnit::Kind::kVideoConfig;
      break;
    case rtmp::VideoPacket::kCodedFrames:
    case rtmp::VideoPacket::kCodedFramesX:
      out.kind = ElementaryUnit::Kind::kVideoFrame;
      out.keyframe = h->keyframe();
      out.pts_ms = out.dts_ms + h->composition_time_ms;
      break;
    default:
      out.data = {};
      return absl::OkStatus();  // Metadata, sequence end: nothing to package.
  }
  if (out.data.empty()) out.kind = ElementaryUnit::Kind::kNone;
  return absl::OkStatus();
}

}  // namespace shopcast::video_ingest::media
