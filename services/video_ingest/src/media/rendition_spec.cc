#include "media/rendition_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

// `text` as a number when it is 1..max_digits decimal digits without a leading zero.
std::optional<int> Digits(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits || text[0] == '0') return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

absl::Status Invalid(std::string_view rung, std::string_view why) {
  return Error(absl::StatusCode::kInvalidArgument, "RENDITIONS_INVALID",
               absl::StrCat("renditions: \"", absl::string_view(rung.data(), rung.size()), "\" ",
                            absl::string_view(why.data(), why.size()),
                            " (expected <height>p:<kbps>, e.g. 720p:2800,480p:1400,360p:800)"));
}

template <typename... T>
std::string StrCatStd(const T&... parts) {
  return absl::StrCat(parts...);
}

}  // namespace

absl::StatusOr<std::vector<RungSpec>> ParseRenditions(std::string_view text) {
  std::vector<RungSpec> rungs;
  if (text.empty()) return rungs;
  for (absl::string_view piece : absl::StrSplit(absl::string_view(text.data(), text.size()), ',')) {
    const std::string_view item(piece.data(), piece.size());
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) return Invalid(item, "has no \":<kbps>\"");
    const std::string_view name = item.substr(0, colon);
    const std::string_view kbps_text = item.substr(colon + 1);
    if (!IsRungName(name)) return Invalid(item, "is not named <height>p");
    const std::optional<int> height = Digits(name.substr(0, name.size() - 1), 4);
    const std::optional<int> kbps = Digits(kbps_text, 5);
    if (!height || *height < kMinRungHeight || *height > kMaxRungHeight || *height % 2 != 0) {
      return Invalid(item, StrCatStd("needs an even height between ", kMinRungHeight, " and ",
                                     kMaxRungHeight));
    }
    if (!kbps || *kbps < kMinRungKbps || *kbps > kMaxRungKbps) {
      return Invalid(item, StrCatStd("needs a video bitrate between ", kMinRungKbps, " and ",
                                     kMaxRungKbps, " kbit/s"));
    }
    for (const RungSpec& r : rungs) {
      if (r.height == *height) return Invalid(item, "repeats a height");
    }
    rungs.push_back(RungSpec{std::string(name), *height, *kbps});
  }
  if (rungs.size() > kMaxRungs) {
    return Error(absl::StatusCode::kInvalidArgument, "RENDITIONS_INVALID",
                 absl::StrCat("renditions: at most ", kMaxRungs, " rungs"));
  }
  std::sort(rungs.begin(), rungs.end(),
            [](const RungSpec& a, const RungSpec& b) { return a.height > b.height; });
  return rungs;
}

bool IsRungName(std::string_view name) {
  if (name.size() < 3 || name.size() > 5 || name.back() != 'p') return false;
  if (name[0] < '1' || name[0] > '9') return false;
  for (size_t i = 1; i + 1 < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  return true;
}

std::optional<PictureSize> ScaledSize(PictureSize source, int rung_height) {
  if (source.width <= 0 || source.height <= 0 || rung_height <= 0) return std::nullopt;
  if (source.height < rung_height) return std::nullopt;
  const double width = static_cast<double>(source.width) * rung_height / source.height;
  int even = static_cast<int>(std::lround(width / 2.0)) * 2;
  even = std::max(even, 2);
  return PictureSize{even, rung_height};
}

std::string VariantText(const VariantLine& v) {
  std::string out = absl::StrCat("#EXT-X-STREAM-INF:BANDWIDTH=", v.bandwidth);
  if (v.average_bandwidth > 0) absl::StrAppend(&out, ",AVERAGE-BANDWIDTH=", v.average_bandwidth);
  if (v.resolution.width > 0 && v.resolution.height > 0) {
    absl::StrAppend(&out, ",RESOLUTION=", v.resolution.width, "x", v.resolution.height);
  }
  if (v.frame_rate > 0)
    absl::StrAppend(&out, ",FRAME-RATE=", absl::StrFormat("%.3f", v.frame_rate));
  if (!v.codecs.empty()) absl::StrAppend(&out, ",CODECS=\"", v.codecs, "\"");
  absl::StrAppend(&out, "\n", v.uri, "\n");
  return out;
}

}  // namespace shopcast::video_ingest::media
