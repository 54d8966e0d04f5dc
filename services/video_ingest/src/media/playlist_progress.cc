#include "media/playlist_progress.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace shopcast::video_ingest::media {

bool Satisfies(const PlaylistProgress& progress, int64_t msn, std::optional<int> part) {
  if (progress.ended) return true;
  if (!part.has_value()) return progress.next_msn > msn;
  if (progress.next_msn > msn + 1) return true;
  if (progress.next_msn == msn + 1) {
    // Segment `msn` is complete: its own parts are there; a part past its last one is the next
    // segment's first.
    return *part < progress.last_parts || progress.next_parts >= 1;
  }
  if (progress.next_msn == msn) return progress.next_parts > *part;
  return false;
}

bool TooFarAhead(const PlaylistProgress& progress, int64_t msn, std::optional<int> part) {
  if (progress.ended) return false;
  // The last segment listed is next_msn - 1; "more than two beyond it" is > next_msn + 1.
  if (msn > progress.next_msn + 1) return true;
  if (!part.has_value() || progress.part_target_ms <= 0) return false;
  const std::optional<int64_t> distance = PartsBeyondLast(progress, msn, *part);
  return distance.has_value() && AdvancePartLimitReached(*distance, progress.part_target_ms);
}

std::optional<int64_t> PartsBeyondLast(const PlaylistProgress& progress, int64_t msn, int part) {
  // The last part listed: of the segment in progress, else the last part of the last segment.
  int64_t last_msn = 0;
  int last_part = 0;
  bool complete = false;  // its segment is complete: its part count is known
  if (progress.next_parts > 0) {
    last_msn = progress.next_msn;
    last_part = progress.next_parts - 1;
  } else if (progress.last_parts > 0) {
    last_msn = progress.next_msn - 1;
    last_part = progress.last_parts - 1;
    complete = true;
  } else {
    return std::nullopt;
  }
  if (msn < last_msn || (msn == last_msn && part <= last_part)) return std::nullopt;
  if (msn == last_msn) return complete ? 1 : part - last_part;
  // Segments last_msn + 1 .. msn - 1 have at least one part each, then parts 0..part of msn.
  return (msn - last_msn - 1) + part + 1;
}

bool AdvancePartLimitReached(int64_t distance, int64_t part_target_ms) {
  if (part_target_ms <= 0) return false;
  // distance >= 3 / (part_target_ms / 1000), without rounding.
  if (part_target_ms < 1000) return distance * part_target_ms >= 3000;
  return distance >= 3;
}

std::string PartFileName(int64_t msn, int part) { return absl::StrFormat("%06d_%d.ts", msn, part); }

std::optional<std::pair<int64_t, int>> ParsePartFileName(std::string_view name) {
  constexpr std::string_view kExt = ".ts";
  if (name.size() <= kExt.size() || name.substr(name.size() - kExt.size()) != kExt) {
    return std::nullopt;
  }
  name.remove_suffix(kExt.size());
  const size_t sep = name.find('_');
  if (sep == std::string_view::npos) return std::nullopt;
  const std::string_view msn_text = name.substr(0, sep);
  const std::string_view part_text = name.substr(sep + 1);
  auto digits = [](std::string_view s, size_t min, size_t max) {
    if (s.size() < min || s.size() > max) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  // Exactly what PartFileName writes: at least 6 digits (zero-padded), a part without padding.
  if (!digits(msn_text, 6, 18) || !digits(part_text, 1, 4)) return std::nullopt;
  if (part_text.size() > 1 && part_text[0] == '0') return std::nullopt;
  if (msn_text.size() > 6 && msn_text[0] == '0') return std::nullopt;
  int64_t msn = 0;
  int part = 0;
  if (!absl::SimpleAtoi(std::string(msn_text), &msn) ||
      !absl::SimpleAtoi(std::string(part_text), &part)) {
    return std::nullopt;
  }
  return std::make_pair(msn, part);
}

std::string SkipPlaylistName(std::string_view media_playlist_name) {
  constexpr std::string_view kExt = ".m3u8";
  std::string_view stem = media_playlist_name;
  if (stem.size() > kExt.size() && stem.substr(stem.size() - kExt.size()) == kExt) {
    stem.remove_suffix(kExt.size());
  }
  return std::string(stem) + "_skip.m3u8";
}

std::string SkipV2PlaylistName(std::string_view media_playlist_name) {
  std::string name = SkipPlaylistName(media_playlist_name);
  name.insert(name.size() - 5, "_v2");
  return name;
}

}  // namespace shopcast::video_ingest::media
