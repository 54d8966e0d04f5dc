#include "media/live_playlist.h"

#include <unistd.h>

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

int64_t CeilMs(absl::Duration d) {
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  return (ns + kNsPerMs - 1) / kNsPerMs;
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
  // Rendition reports and delta updates (Low-Latency HLS only).
  delta_updates_ = low_latency() && options_.window >= kDeltaUpdateMinWindow;
  // A delta update left by an earlier playlist of this stream (a restart with another window)
  // must never be served for this one.
  DeleteDeltaPlaylists();
  if (options_.renditions && low_latency()) {
    if (options_.rendition_path.empty()) options_.rendition_path = options_.media_playlist_name;
    member_ = options_.renditions->Join(options_.rendition_path);
  }
}

LivePlaylist::~LivePlaylist() {
  if (member_ != 0) options_.renditions->Leave(member_);
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

absl::Status LivePlaylist::Append(const SegmentInfo& segment, const MediaInfo& media,
                                  const std::optional<PartInfo>& last_part) {
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
  if (last_part) RETURN_IF_ERROR(AddPart(*last_part));

  Entry entry;
  entry.sequence = segment.sequence;
  entry.program_date_time = segment.program_date_time;
  entry.program_date_time_text = FormatDateTime(segment.program_date_time);
  entry.duration_ms = RoundToMs(segment.duration);
  entry.uri = std::filesystem::path(segment.path).filename().string();
  entry.discontinuity = segment.discontinuity || pending_discontinuity_;
  pending_discontinuity_ = false;
  entry.parts = std::move(pending_parts_);
  pending_parts_.clear();
  pending_ms_ = 0;
  end_ms_ += entry.duration_ms;
  entry.end_ms = end_ms_;
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
    DeletePartFiles(entries_.front());
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

  ++segments_appended_;

  DeleteOldParts();

  RETURN_IF_ERROR(WriteMediaPlaylist(/*durable=*/false, /*to_disk=*/true));
  if (options_.master_playlist_name.empty()) return absl::OkStatus();
  return WriteMasterLocked();
}

absl::Status LivePlaylist::WriteMaster() {
  absl::MutexLock lock(&mu_);
  if (options_.master_playlist_name.empty() || !target_fixed_) return absl::OkStatus();
  return WriteMasterLocked();
}

LivePlaylist::VariantStats LivePlaylist::variant_stats() const {
  absl::MutexLock lock(&mu_);
  VariantStats v;
  v.peak_bps = static_cast<int64_t>(std::ceil(peak_bps_));
  v.average_bps = total_seconds_ > 0 ? std::llround(total_bits_ / total_seconds_) : 0;
  v.media = media_;
  v.segments = segments_appended_;
  return v;
}

absl::Status LivePlaylist::SkipTo(int64_t next_sequence, absl::Duration media_offset) {
  absl::MutexLock lock(&mu_);
  if (ended_) {
    return Error(absl::StatusCode::kFailedPrecondition, "PLAYLIST_ENDED",
                 "the stream's playlist has ended");
  }
  if (next_sequence <= next_sequence_) {
    return Error(absl::StatusCode::kFailedPrecondition, "SEGMENT_OUT_OF_ORDER",
                 absl::StrCat("cannot skip from segment ", next_sequence_, " to ", next_sequence));
  }
  for (const Part& p : pending_parts_) DeletePart(p);
  pending_parts_.clear();
  pending_ms_ = 0;
  for (Entry& e : entries_) {
    if (e.discontinuity) ++discontinuity_sequence_;
    DeletePartFiles(e);
  }
  entries_.clear();
  next_sequence_ = next_sequence;
  media_offset_ = media_offset;
  pending_discontinuity_ = true;
  return absl::OkStatus();
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
  RETURN_IF_ERROR(WriteMediaPlaylist(/*durable=*/false, /*to_disk=*/false));
  return true;
}

absl::Status LivePlaylist::AppendPart(const PartInfo& part) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(AddPart(part));
  // Nothing is published before the first segment fixed EXT-X-TARGETDURATION.
  if (!target_fixed_) return absl::OkStatus();
  return WriteMediaPlaylist(/*durable=*/false, /*to_disk=*/false);
}

absl::Status LivePlaylist::AddPart(const PartInfo& part) {
  if (!low_latency()) {
    return Error(absl::StatusCode::kFailedPrecondition, "LOW_LATENCY_OFF",
                 "the playlist lists no partial segments");
  }
  if (ended_) {
    return Error(absl::StatusCode::kFailedPrecondition, "PLAYLIST_ENDED",
                 "the stream's playlist has ended");
  }
  if (part.sequence != next_sequence_ || part.index != static_cast<int>(pending_parts_.size())) {
    return Error(absl::StatusCode::kFailedPrecondition, "PART_OUT_OF_ORDER",
                 absl::StrCat("expected part ", pending_parts_.size(), " of segment ",
                              next_sequence_, ", got part ", part.index, " of ", part.sequence));
  }
  if (part.duration < absl::ZeroDuration()) {
    return Error(absl::StatusCode::kInvalidArgument, "NEGATIVE_DURATION",
                 "a part cannot have a negative duration");
  }
  Part p;
  p.duration_ms = RoundToMs(part.duration);
  p.independent = part.independent;
  p.uri = PartFileName(part.sequence, part.index);
  p.data = part.data;
  if (pending_parts_.empty()) {
    pending_program_date_time_text_ = FormatDateTime(part.program_date_time);
  }
  pending_parts_.push_back(std::move(p));
  pending_ms_ += pending_parts_.back().duration_ms;
  return absl::OkStatus();
}

absl::Status LivePlaylist::DropPendingParts() {
  absl::MutexLock lock(&mu_);
  if (pending_parts_.empty()) return absl::OkStatus();
  for (const Part& p : pending_parts_) DeletePart(p);
  pending_parts_.clear();
  pending_ms_ = 0;
  if (!target_fixed_) return absl::OkStatus();
  return WriteMediaPlaylist(/*durable=*/false, /*to_disk=*/false);
}

PlaylistProgress LivePlaylist::progress() const {
  absl::MutexLock lock(&mu_);
  return progress_;
}

absl::Status LivePlaylist::End() {
  absl::MutexLock lock(&mu_);
  ended_ = true;
  // Over: no longer a rendition a player can switch to, and no delta update of an ended
  // playlist (the origin serves the whole one).
  if (member_ != 0) options_.renditions->Leave(member_);
  if (delta_updates_) DeleteDeltaPlaylists();
  // An ended playlist lists complete media only.
  for (const Part& p : pending_parts_) DeletePart(p);
  pending_parts_.clear();
  pending_ms_ = 0;
  // Parts in memory: an ended playlist (played like video on demand) lists none, so none is
  // kept for the while the runtime keeps the ended object; the file never listed them.
  if (parts_in_memory()) {
    for (Entry& e : entries_) e.parts.clear();
  }
  return WriteMediaPlaylist(/*durable=*/true, /*to_disk=*/true);
}

absl::Status LivePlaylist::WriteMediaPlaylist(bool durable, bool to_disk) {
  const bool every = every_version_to_disk();
  std::shared_ptr<PlaylistSnapshot> snapshot;
  if (options_.on_written) {
    snapshot = std::make_shared<PlaylistSnapshot>();
    snapshot->made = absl::Now();
  }
  if (delta_updates_ && !ended_) {
    TrackDateRanges(Now());
    std::string skip = MediaText(Delta::kSkipSegments);
    std::string skip_v2 = MediaText(Delta::kSkipSegmentsAndDateRanges);
    // Delta updates first, so a request the origin wakes for this write finds one as new.
    if (every) RETURN_IF_ERROR(WriteDeltaPlaylists(skip, skip_v2));
    if (snapshot) {
      snapshot->skip = std::move(skip);
      snapshot->skip_v2 = std::move(skip_v2);
    }
  }
  std::string text = MediaText();
  if (every || to_disk || ended_) {
    // Parts in memory: the file lists none (whoever reads it could not fetch them).
    const bool parts_in_memory = this->parts_in_memory();
    RETURN_IF_ERROR(WriteFileAtomically(
        options_.stream_dir / options_.media_playlist_name,
        parts_in_memory ? MediaText(Delta::kNone, /*with_parts=*/false) : text, durable));
  }
  progress_.next_msn = next_sequence_;
  progress_.next_parts = static_cast<int>(pending_parts_.size());
  progress_.last_parts = entries_.empty() || entries_.back().sequence != next_sequence_ - 1
                             ? 0
                             : static_cast<int>(entries_.back().parts.size());
  progress_.ended = ended_;
  progress_.part_target_ms = low_latency() ? CeilMs(options_.part_target) : 0;
  if (snapshot) {
    snapshot->text = std::move(text);
    if (parts_in_memory()) {
      // Every part still held: those listed (DeleteOldParts lets the others go).
      for (const Entry& e : entries_) {
        for (const Part& p : e.parts) {
          if (p.data != nullptr) snapshot->parts.emplace_back(p.uri, p.data);
        }
      }
      for (const Part& p : pending_parts_) {
        if (p.data != nullptr) snapshot->parts.emplace_back(p.uri, p.data);
      }
    }
    progress_.snapshot = std::move(snapshot);
  }
  // The group's lock is a leaf: publishing under ours cannot deadlock with a sibling.
  if (member_ != 0 && !ended_) options_.renditions->Publish(member_, progress_);
  if (options_.on_written) options_.on_written(progress_);
  return absl::OkStatus();
}

// --- Rendition reports and delta updates ---

int64_t LivePlaylist::SkipBoundaryMs() const {
  return kSkipBoundaryTargets * target_duration_s_ * 1000;
}

size_t LivePlaylist::SkippedSegments() const {
  // Segments that end further than the Skip Boundary before the end of the last complete
  // segment (RFC 8216bis 6.2.5.1: "further from the end of the last (Parent) Media Segment").
  const int64_t boundary = SkipBoundaryMs();
  size_t n = 0;
  while (n < entries_.size() && end_ms_ - entries_[n].end_ms > boundary) ++n;
  return n;
}

void LivePlaylist::TrackDateRanges(absl::Time now) {
  delta_now_ = now;
  std::map<std::string, absl::Time> listed;
  if (!entries_.empty()) {
    for (const DateRange* r : date_ranges_.Listed(entries_.front().program_date_time)) {
      auto it = daterange_listed_since_.find(r->id);
      listed.emplace(r->id, it == daterange_listed_since_.end() ? now : it->second);
    }
  }
  for (const auto& [id, since] : daterange_listed_since_) {
    if (!listed.contains(id)) daterange_removed_.emplace_back(id, now);
  }
  daterange_listed_since_ = std::move(listed);
  // Forget removals older than the Skip Boundary, and any id listed again.
  const absl::Duration boundary = absl::Milliseconds(SkipBoundaryMs());
  std::erase_if(daterange_removed_, [&](const auto& removed) {
    return now - removed.second > boundary || daterange_listed_since_.contains(removed.first);
  });
  // Bounded whatever the producers do: the set holds at most 64 ranges at once.
  constexpr size_t kMaxRemembered = 256;
  while (daterange_removed_.size() > kMaxRemembered) daterange_removed_.pop_front();
}

absl::Status LivePlaylist::WriteDeltaPlaylists(std::string_view skip, std::string_view skip_v2) {
  absl::Status status = WriteFileAtomically(
      options_.stream_dir / SkipPlaylistName(options_.media_playlist_name), skip,
      /*durable=*/false);
  if (status.ok()) {
    status = WriteFileAtomically(
        options_.stream_dir / SkipV2PlaylistName(options_.media_playlist_name), skip_v2,
        /*durable=*/false);
  }
  if (!status.ok()) DeleteDeltaPlaylists();
  return status;
}

void LivePlaylist::DeleteDeltaPlaylists() const {
  ::unlink((options_.stream_dir / SkipPlaylistName(options_.media_playlist_name)).c_str());
  ::unlink((options_.stream_dir / SkipV2PlaylistName(options_.media_playlist_name)).c_str());
}

std::string LivePlaylist::DeltaPlaylistText(bool skip_dateranges) const {
  absl::MutexLock lock(&mu_);
  if (!delta_updates_ || ended_ || !target_fixed_) return "";
  return MediaText(skip_dateranges ? Delta::kSkipSegmentsAndDateRanges : Delta::kSkipSegments);
}

bool LivePlaylist::ListsParts(const Entry& e) const {
  // The playlist's end: the last complete segment plus the parts of the one in progress.
  const int64_t end = end_ms_ + pending_ms_;
  return !e.parts.empty() && e.end_ms > end - 3 * target_duration_s_ * 1000;
}

void LivePlaylist::DeleteOldParts() {
  // Part files: one target duration after leaving the listing (a player that read the
  // playlist before may still ask for them). Parts in memory are let go when they leave it:
  // they are the process's own memory, about a target duration of media per stream each
  // (a player at the live edge never asks for a part three target durations old).
  const int64_t keep_targets = parts_in_memory() ? 3 : 4;
  const int64_t end = end_ms_ + pending_ms_;
  for (Entry& e : entries_) {
    if (e.end_ms <= end - keep_targets * target_duration_s_ * 1000) DeletePartFiles(e);
  }
}

void LivePlaylist::DeletePartFiles(Entry& e) {
  if (e.part_files_deleted) return;
  e.part_files_deleted = true;
  for (Part& p : e.parts) {
    DeletePart(p);
    p.data.reset();
  }
}

void LivePlaylist::DeletePart(const Part& p) const {
  if (p.data == nullptr) ::unlink((options_.stream_dir / p.uri).c_str());
}

void LivePlaylist::AppendPartLines(std::string& out, const std::vector<Part>& parts) const {
  for (const Part& p : parts) {
    absl::StrAppend(&out, "#EXT-X-PART:DURATION=", FormatMs(p.duration_ms), ",URI=\"", p.uri, "\"",
                    p.independent ? ",INDEPENDENT=YES" : "", "\n");
  }
}

std::string LivePlaylist::MediaPlaylistText() const {
  absl::MutexLock lock(&mu_);
  return MediaText();
}

std::string LivePlaylist::MasterPlaylistText() const {
  absl::MutexLock lock(&mu_);
  return MasterText();
}

std::string LivePlaylist::MediaText(Delta delta, bool with_parts) const {
  const bool ll = low_latency() && with_parts;
  // Version 6 with Low-Latency HLS, as Apple's LL-HLS examples write it (no tag used needs
  // more); 3 (decimal EXTINF) otherwise. A delta update needs 9 (EXT-X-SKIP), 10 when it skips
  // EXT-X-DATERANGE tags (RFC 8216bis 8).
  std::string out = delta == Delta::kSkipSegments                ? "#EXTM3U\n#EXT-X-VERSION:9\n"
                    : delta == Delta::kSkipSegmentsAndDateRanges ? "#EXTM3U\n#EXT-X-VERSION:10\n"
                    : ll                                         ? "#EXTM3U\n#EXT-X-VERSION:6\n"
                                                                 : "#EXTM3U\n#EXT-X-VERSION:3\n";
  absl::StrAppend(&out, "#EXT-X-TARGETDURATION:", target_duration_s_, "\n");
  if (ll) {
    const int64_t part_target_ms = CeilMs(options_.part_target);
    // PART-HOLD-BACK: four and a half part targets (1.503 s at the default 334 ms; the
    // specification asks at least two and recommends three). hls.js aims this far behind live
    // and only plays faster to get back there while more than a second is buffered ahead: three
    // part targets (1.0 s) rarely left that, so a player stayed wherever its start-up left it
    // (1.5–2.1 s glass to glass) or, catching up, stalled; from 1.5 s it converges to ~1.6 s
    // (tools/bench/RESULTS.md, hls_latency runs 6, 11 and 13).
    absl::StrAppend(&out, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES");
    // Delta updates: the Skip Boundary, and v2 (date ranges skipped too) is understood.
    if (delta_updates_ && !ended_) {
      absl::StrAppend(&out, ",CAN-SKIP-UNTIL=", FormatMs(SkipBoundaryMs()),
                      ",CAN-SKIP-DATERANGES=YES");
    }
    absl::StrAppend(&out, ",PART-HOLD-BACK=", FormatMs(part_target_ms * 9 / 2), "\n");
    absl::StrAppend(&out, "#EXT-X-PART-INF:PART-TARGET=", FormatMs(part_target_ms), "\n");
  }
  int64_t first = entries_.empty() ? next_sequence_ : entries_.front().sequence;
  absl::StrAppend(&out, "#EXT-X-MEDIA-SEQUENCE:", first, "\n");
  if (discontinuity_sequence_ > 0) {
    absl::StrAppend(&out, "#EXT-X-DISCONTINUITY-SEQUENCE:", discontinuity_sequence_, "\n");
  }
  size_t skipped = 0;
  if (delta == Delta::kNone) {
    if (!entries_.empty()) out += date_ranges_.Render(entries_.front().program_date_time);
  } else {
    // --- A delta update (rendition reports and delta updates) ---
    std::string removed;
    const absl::Duration boundary = absl::Milliseconds(SkipBoundaryMs());
    if (!entries_.empty()) {
      for (const DateRange* r : date_ranges_.Listed(entries_.front().program_date_time)) {
        if (delta == Delta::kSkipSegmentsAndDateRanges) {
          // v2: not the tags that entered the playlist more than the Skip Boundary ago.
          auto since = daterange_listed_since_.find(r->id);
          if (since != daterange_listed_since_.end() && delta_now_ - since->second > boundary) {
            continue;
          }
        }
        out += RenderDateRange(*r);
      }
    }
    skipped = SkippedSegments();
    absl::StrAppend(&out, "#EXT-X-SKIP:SKIPPED-SEGMENTS=", skipped);
    if (delta == Delta::kSkipSegmentsAndDateRanges) {
      for (const auto& [id, at] : daterange_removed_) {
        if (!removed.empty()) removed += '\t';
        removed += id;
      }
      absl::StrAppend(&out, ",RECENTLY-REMOVED-DATERANGES=\"", removed, "\"");
    }
    out += "\n";
  }
  for (size_t i = skipped; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (e.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    absl::StrAppend(&out, "#EXT-X-PROGRAM-DATE-TIME:", e.program_date_time_text, "\n");
    if (ll && ListsParts(e)) AppendPartLines(out, e.parts);
    absl::StrAppend(&out, "#EXTINF:", FormatMs(e.duration_ms), ",\n", e.uri, "\n");
  }
  if (ended_) {
    out += "#EXT-X-ENDLIST\n";
    return out;
  }
  if (ll) {
    // The segment in progress: its tags, its parts so far, and the part that comes next.
    if (!pending_parts_.empty()) {
      if (pending_discontinuity_) out += "#EXT-X-DISCONTINUITY\n";
      absl::StrAppend(&out, "#EXT-X-PROGRAM-DATE-TIME:", pending_program_date_time_text_, "\n");
      AppendPartLines(out, pending_parts_);
    }
    absl::StrAppend(&out, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"",
                    PartFileName(next_sequence_, static_cast<int>(pending_parts_.size())), "\"\n");
    // Where the stream's other renditions are (rendition_group.h): one report each.
    if (member_ != 0) {
      for (const RenditionReport& r : options_.renditions->ReportsFor(member_)) {
        out += RenderRenditionReport(r);
      }
    }
  }
  return out;
}

absl::Status LivePlaylist::WriteMasterLocked() {
  std::string text = MasterText();
  if (text == master_written_) return absl::OkStatus();
  // Durable the first time (the stream's entry point exists once its first segment does);
  // later writes only update the bandwidth figures (AVERAGE-BANDWIDTH moves with every
  // segment), which a crash may take back to an earlier, complete version: not worth two
  // fsyncs per segment.
  RETURN_IF_ERROR(WriteFileAtomically(options_.stream_dir / options_.master_playlist_name, text,
                                      /*durable=*/master_written_.empty()));
  master_written_ = std::move(text);
  return absl::OkStatus();
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
  if (options_.master_variants) out += options_.master_variants();
  return out;
}

}  // namespace shopcast::video_ingest::media
