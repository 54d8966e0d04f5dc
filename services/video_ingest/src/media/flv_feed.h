#pragma once

// HEVC over RTMP: GStreamer 1.22's flvdemux cannot demux HEVC (neither legacy codec id 12 nor
// enhanced RTMP's 'hvc1'), so the packager reads such a session's FLV itself and feeds the
// elementary streams to its parsers (pipeline.cc, the HEVC feed block). This is the pure part:
// FLV bytes, in pieces of any size, become tags, and tags become what the parsers take. Bounded:
// a tag is at most 2^24 − 1 bytes (FLV's size field); malformed input is an error, never an
// overread. Unit-tested; the RTMP server already checked every video header (video_tag.h).

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace shopcast::video_ingest::media {

struct FlvTag {
  uint8_t type = 0;  // 8 audio, 9 video, 18 script data.
  uint32_t timestamp_ms = 0;
  std::vector<uint8_t> body;
};

// A tag whose body points into the bytes given to FlvTagSplitter::FeedViews or into the
// splitter itself: valid until the splitter's next Feed or FeedViews.
struct FlvTagView {
  uint8_t type = 0;
  uint32_t timestamp_ms = 0;
  std::span<const uint8_t> body;
};

// Splits an FLV byte stream (file header, PreviousTagSize0, tags) into tags.
class FlvTagSplitter {
 public:
  // Appends `bytes`; every tag completed by them goes to `out`. INVALID_ARGUMENT/
  // FLV_INVALID for a stream that is not FLV (the signature, a header size under 9).
  absl::Status Feed(std::span<const uint8_t> bytes, std::vector<FlvTag>& out);
  // The same without copying: tags that `bytes` hold whole are views into them, and only an
  // incomplete tail is copied (the native packager's input comes in whole tags).
  absl::Status FeedViews(std::span<const uint8_t> bytes, std::vector<FlvTagView>& out);
  // The header's track flags (0x04 audio, 0x01 video) once the header was read.
  std::optional<uint8_t> track_flags() const { return track_flags_; }
  // Bytes held for an incomplete header or tag.
  size_t buffered_bytes() const { return pending_.size() - consumed_; }

 private:
  // Splits `data` from its start; returns how many bytes the tags and headers took.
  absl::StatusOr<size_t> Split(std::span<const uint8_t> data, std::vector<FlvTagView>& out);

  std::vector<uint8_t> pending_;
  size_t consumed_ = 0;  // pending_'s bytes already split (views may still point at them).
  std::vector<FlvTagView> views_;  // Feed's, reused.
  std::optional<uint8_t> track_flags_;
  size_t skip_ = 0;  // Header bytes beyond 9, and PreviousTagSize fields, still to drop.
};

// Follows an FLV byte stream, in pieces of any size, just far enough to see each tag's type,
// timestamp and first body byte, holding at most 12 bytes (the native packager's input side
// decides from them when to wake its worker, without splitting or copying tags). Anything but
// an FLV signature and a header of at least 9 bytes makes it broken() for good.
class FlvTagPeek {
 public:
  struct Tag {
    uint8_t type = 0;
    uint32_t timestamp_ms = 0;
    uint8_t first = 0;  // The first body byte (a video tag's frame type), 0 for empty tags.
  };

  // Calls `on_tag` for each tag whose header (and first body byte) `bytes` completes.
  template <typename F>
  void Feed(std::span<const uint8_t> bytes, F&& on_tag) {
    while (!bytes.empty() && !broken_) {
      if (skip_ > 0) {
        const size_t n = std::min<size_t>(skip_, bytes.size());
        skip_ -= n;
        bytes = bytes.subspan(n);
        continue;
      }
      const size_t want = header_done_ ? kTagHeader : kFileHeader;
      const size_t n = std::min(want - have_, bytes.size());
      std::copy_n(bytes.begin(), n, head_.begin() + have_);
      have_ += n;
      bytes = bytes.subspan(n);
      if (have_ < want) return;
      have_ = 0;
      if (!header_done_) {
        if (head_[0] != 'F' || head_[1] != 'L' || head_[2] != 'V') {
          broken_ = true;
          return;
        }
        const uint32_t offset = Be32(&head_[5]);
        if (offset < kFileHeader) {
          broken_ = true;
          return;
        }
        header_done_ = true;
        skip_ = offset - kFileHeader + 4;  // The rest of the header, PreviousTagSize0.
        continue;
      }
      // Tag header (11 bytes) and the first body byte, when the body has one.
      const uint32_t size = (uint32_t{head_[1]} << 16) | (uint32_t{head_[2]} << 8) | head_[3];
      Tag tag;
      tag.type = head_[0] & 0x1f;
      tag.timestamp_ms = (uint32_t{head_[7]} << 24) | (uint32_t{head_[4]} << 16) |
                         (uint32_t{head_[5]} << 8) | head_[6];
      if (size == 0) {
        skip_ = 4 - 1;  // The byte read as "first" was the PreviousTagSize's.
      } else {
        tag.first = head_[11];
        skip_ = size - 1 + 4;
      }
      on_tag(tag);
    }
  }

  bool broken() const { return broken_; }
  // Whether the body of the last tag reported has been fed whole (only its PreviousTagSize, or
  // a next tag's header, may be missing).
  bool body_complete() const { return skip_ <= 4; }

 private:
  static constexpr size_t kFileHeader = 9;
  static constexpr size_t kTagHeader = 12;  // 11 + the first body byte.
  static uint32_t Be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
  std::array<uint8_t, 12> head_{};
  size_t have_ = 0;
  size_t skip_ = 0;
  bool header_done_ = false;
  bool broken_ = false;
};

// What a tag of an HEVC session gives the packager's parsers.
struct ElementaryUnit {
  enum class Kind {
    kNone,         // Nothing to package (script data, commands, metadata, sequence end).
    kVideoConfig,  // An hvcC record: the video caps' codec_data.
    kVideoFrame,   // One access unit, NAL units with length prefixes (stream-format=hvc1).
    kAudioConfig,  // An AudioSpecificConfig: the audio caps' codec_data.
    kAudioFrame,   // One raw AAC frame.
  };
  Kind kind = Kind::kNone;
  int64_t dts_ms = 0;
  int64_t pts_ms = 0;  // dts + composition time.
  bool keyframe = false;
  std::span<const uint8_t> data;  // Into the tag's body.
};

// Reads an audio or video tag of a session whose video is HEVC (enhanced RTMP 'hvc1' or legacy
// codec id 12) and whose audio is AAC. INVALID_ARGUMENT/FLV_INVALID for a malformed header or
// another codec (the RTMP server refuses those before they get here).
absl::Status ReadElementaryUnit(const FlvTag& tag, ElementaryUnit& out);

// Whether the first video tag of a session (its body) is HEVC: the HEVC feed is used then.
bool IsHevcVideoTag(std::span<const uint8_t> body);

}  // namespace shopcast::video_ingest::media
