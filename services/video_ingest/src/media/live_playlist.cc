#include "media/live_playlist.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "media/file_io.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;

// Rounds to the nearest millisecond: the precision both EXTINF and the date times are written in.
int64_t RoundToMs(absl::Duration d) {
  int64_t ns = absl::ToInt64Nanoseconds(d);
  return ns >= 0 ? (ns + kNsPerMs / 2) / kNsPerMs : -((-ns + kNsPerMs / 2) / kNsPerMs);
}

int64_t CeilSeconds(int64_t ms) { return std::max<int64_t>(1, (ms + 999) / 1000); }

// RFC 8216 4.3.3.1: an EXTINF rounded to the nearest integer must not exceed the target
// duration. A 2.005 s segment thus fits a target of 2.
int64_t NearestSeconds(int64_t ms) { return (ms + 500) / 1000; }

std::string FormatMs(int64_t ms) { return absl::StrFormat("%d.%03d", ms / 1000, ms % 1000); }

std::string FormatDateTime(absl::Time t) {
  absl::Time rounded = absl::FromUnixMillis(RoundToMs(t - absl::UnixEpoch()));
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", rounded, absl::UTCTimeZone());
}

}  // namespace

LivePlaylist::LivePlaylist(Options options, int64_t next_sequence, absl::Duration media_offset)
    : options_(std::move(options)),
      next_sequence_(next_sequence),
      media_offset_(media_offset),
      target_duration_s_(CeilSeconds(RoundToMs(options_.target_duration))) {
  options_.window = std::max(options_.window, 1);
}

int64_t LivePlaylist::next_sequence() const {
  absl::MutexLock lock(&mu_);
  return next_sequence_;
}

absl::Duration LivePlaylist::media_offset() const {
  absl::MutexLock lock(&mu_);
  return media_offset_;
}

std::optional<absl::Time> LivePlaylist::end_program_date_time() const {
  absl::MutexLock lock(&mu_);
  return end_program_date_time_;
}

int64_t LivePlaylist::target_duration_s() const {
  absl::MutexLock lock(&mu_);
  return target_duration_s_;
}

int64_t LivePlaylist::segments_over_target() const {
  absl::MutexLock lock(&mu_);
  return segments_over_target_;
}

void LivePlaylist::MarkDiscontinuity() {
  absl::MutexLock lock(&mu_);
  pending_discontinuity_ = true;
}

absl::Status LivePlaylist::Append(const SegmentInfo& segment, const MediaInfo& media) {
  absl::MutexLock lock(&mu_);
  if (ended_) {
    return Error(absl::StatusCode::kFailedPrecondition, "PLAYLIST_ENDED",
                 "the stream's playlist has ended");
  }
  if (segment.sequence != next_sequence_) {
    return Error(absl::StatusCode::kFailedPrecondition, "SEGMENT_OUT_OF_ORDER",
                 absl::StrCat("expected segment ", next_sequence_, ", got ", segment.sequence));
  }
  if (segment.duration < absl::ZeroDuration()) {
    return Error(absl::StatusCode::kInvalidArgument, "NEGATIVE_DURATION",
                 "a segment cannot have a negative duration");
  }

  Entry entry;
  entry.sequence = segment.sequence;
  entry.program_date_time = segment.program_date_time;
  entry.duration_ms = RoundToMs(segment.duration);
  entry.uri = std::filesystem::path(segment.path).filename().string();
  entry.discontinuity = segment.discontinuity || pending_discontinuity_;
  pending_discontinuity_ = false;
  const int64_t rounded = NearestSeconds(entry.duration_ms);
  if (!target_fixed_) {
    target_duration_s_ = std::max(target_duration_s_, rounded);
    target_fixed_ = true;
  } else if (rounded > target_duration_s_) {
    ++segments_over_target_;
  }
  entries_.push_back(std::move(entry));
  while (entries_.size() > static_cast<size_t>(options_.window)) {
    if (entries_.front().discontinuity) ++discontinuity_sequence_;
    entries_.pop_front();
  }
  ++next_sequence_;
  media_offset_ += segment.duration;
  end_program_date_time_ = segment.program_date_time + segment.duration;

  media_ = media;
  double seconds = absl::ToDoubleSeconds(segment.duration);
  double bits = static_cast<double>(segment.size_bytes) * 8;
  if (seconds > 0) {
    peak_bps_ = std::max(peak_bps_, bits / seconds);
    total_bits_ += bits;
    total_seconds_ += seconds;
  }

  RETURN_IF_ERROR(WriteMediaPlaylist());
  return WriteFileAtomically(options_.stream_dir / options_.master_playlist_name, MasterText());
}

absl::StatusOr<bool> LivePlaylist::AddDateRange(DateRange range) {
  absl::MutexLock lock(&mu_);
  if (ended_) {
    return Error(absl::StatusCode::kFailedPrecondition, "PLAYLIST_ENDED",
                 "the stream's playlist has ended");
  }
  ASSIGN_OR_RETURN(bool added, date_ranges_.Add(std::move(range)));
  if (!added || entries_.empty()) return false;
  date_ranges_.Prune(entries_.front().program_date_time);
  RETURN_IF_ERROR(WriteMediaPlaylist());
  return true;
}

absl::Status LivePlaylist::End() {
  absl::MutexLock lock(&mu_);
  ended_ = true;
  return WriteMediaPlaylist();
}

absl::Status LivePlaylist::WriteMediaPlaylist() const {
  RETURN_IF_ERROR(
      WriteFileAtomically(options_.stream_dir / options_.media_playlist_name, MediaText()));
  if (options_.on_written) {
    options_.on_written(PlaylistProgress{.next_msn = next_sequence_, .ended = ended_});
  }
  return absl::OkStatus();
}

std::string LivePlaylist::MediaPlaylistText() const {
  absl::MutexLock lock(&mu_);
  return MediaText();
}

std::string LivePlaylist::MasterPlaylistText() const {
  absl::MutexLock lock(&mu_);
  return MasterText();
}

std::string LivePlaylist::MediaText() const {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:3\n";
  absl::StrAppend(&out, "#EXT-X-TARGETDURATION:", target_duration_s_, "\n");
  int64_t first = entries_.empty() ? next_sequence_ : entries_.front().sequence;
  absl::StrAppend(&out, "#EXT-X-MEDIA-SEQUENCE:", first, "\n");
  if (discontinuity_sequence_ > 0) {
    absl::StrAppend(&out, "#EXT-X-DISCONTINUITY-SEQUENCE:", discontinuity_sequence_, "\n");
  }
  if (!entries_.empty()) out += date_ranges_.Render(entries_.front().program_date_time);
  for (const Entry& e : entries_) {
    if (e.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    absl::StrAppend(&out, "#EXT-X-PROGRAM-DATE-TIME:", FormatDateTime(e.program_date_time), "\n");
    absl::StrAppend(&out, "#EXTINF:", FormatMs(e.duration_ms), ",\n", e.uri, "\n");
  }
  if (ended_) out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string LivePlaylist::MasterText() const {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  int64_t average = total_seconds_ > 0 ? std::llround(total_bits_ / total_seconds_) : 0;
  absl::StrAppend(&out, "#EXT-X-STREAM-INF:BANDWIDTH=", static_cast<int64_t>(std::ceil(peak_bps_)),
                  ",AVERAGE-BANDWIDTH=", average);
  if (media_.width > 0 && media_.height > 0) {
    absl::StrAppend(&out, ",RESOLUTION=", media_.width, "x", media_.height);
  }
  if (media_.frame_rate > 0) {
    absl::StrAppend(&out, ",FRAME-RATE=", absl::StrFormat("%.3f", media_.frame_rate));
  }
  if (!media_.codecs.empty()) absl::StrAppend(&out, ",CODECS=\"", media_.codecs, "\"");
  absl::StrAppend(&out, "\n", options_.media_playlist_name, "\n");
  return out;
}

}  // namespace shopcast::video_ingest::media
