#pragma once

// The adaptive-bitrate rendition ladder's configuration and the pure decisions about it: which
// rungs a stream gets (`--renditions=720p:2800,480p:1400,360p:800`: a rung is named after its
// picture height and has a video bitrate in kbit/s), how a source picture is scaled to a rung
// (aspect ratio kept, even width, never upscaled), which decoder reads a source's video, and the
// master playlist lines of the rungs. No GStreamer; unit-tested (tests/media/rendition_spec_test).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace shopcast::video_ingest::media {

struct RungSpec {
  std::string name;  // "720p": the folder its playlist and segments live in (/live/<id>/720p/).
  int height = 0;    // 720
  int video_kbps = 0;
};

// Rung limits, checked at start-up.
inline constexpr int kMinRungHeight = 144;
inline constexpr int kMaxRungHeight = 2160;
inline constexpr int kMinRungKbps = 100;
inline constexpr int kMaxRungKbps = 50000;
inline constexpr size_t kMaxRungs = 6;

// Parses "720p:2800,480p:1400,360p:800" (empty: no ladder, passthrough only). Each rung is
// `<height>p:<kbps>` with plain decimal digits; heights kMinRungHeight..kMaxRungHeight and even,
// bitrates kMinRungKbps..kMaxRungKbps, at most kMaxRungs rungs, no height twice. The rungs come
// back sorted by height, highest first. INVALID_ARGUMENT naming the offending rung otherwise.
absl::StatusOr<std::vector<RungSpec>> ParseRenditions(std::string_view text);

// True iff `name` is a rung folder name ParseRenditions can produce: 3..5 characters, a
// non-zero digit, more digits, then "p" ("144p".."2160p"). The HLS origin accepts exactly these
// as the optional folder of a request (hls_path.h keeps its own copy of the rule).
bool IsRungName(std::string_view name);

struct PictureSize {
  int width = 0;
  int height = 0;
  bool operator==(const PictureSize&) const = default;
};

// The size a `source` picture is scaled to for a rung of `rung_height`: that height, the width
// keeping the source's aspect ratio (square pixels), rounded to the nearest even number (the
// encoder's 4:2:0 needs even sides). nullopt when the source is smaller than the rung (a rung is
// never upscaled: the rung is skipped) or its size is unknown.
std::optional<PictureSize> ScaledSize(PictureSize source, int rung_height);

// One variant of a master playlist.
struct VariantLine {
  std::string uri;                // "720p/live.m3u8"
  int64_t bandwidth = 0;          // Peak bits per second over a segment.
  int64_t average_bandwidth = 0;  // 0: not written.
  PictureSize resolution;         // 0x0: not written.
  double frame_rate = 0;          // 0: not written.
  std::string codecs;             // RFC 6381; empty: not written.
};

// "#EXT-X-STREAM-INF:BANDWIDTH=…,AVERAGE-BANDWIDTH=…,RESOLUTION=…,FRAME-RATE=…,CODECS=\"…\"\n"
// followed by the URI line, in the attribute order LivePlaylist writes the passthrough's.
std::string VariantText(const VariantLine& variant);

}  // namespace shopcast::video_ingest::media
