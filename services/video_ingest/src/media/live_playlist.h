#pragma once

// The HLS playlists of one live stream: a sliding-window media playlist and a one-variant master
// playlist. It outlives one encoder session, so a reconnect continues the same media sequence
// after an EXT-X-DISCONTINUITY. Pure C++ (no GStreamer). Thread-safe: one session appends at a
// time, but the runtime may end the playlist (EndStream, grace expiry) while a session that is
// being replaced still flushes.
//
// Low-Latency HLS (RFC 8216bis), when Options::part_target is set: the packager also appends
// the partial segments of the segment in progress (AppendPart) and the playlist is rewritten
// after each one, with EXT-X-PART-INF, EXT-X-SERVER-CONTROL (CAN-BLOCK-RELOAD, PART-HOLD-BACK),
// EXT-X-PART lines for the segment in progress and for the complete segments of the last three
// target durations, and an EXT-X-PRELOAD-HINT for the next part. Players without LL-HLS ignore
// those tags and play the same playlist's segments. Part files that left the listing one target
// duration ago are deleted (a player still holding the previous playlist may fetch them).
//
// Also with Low-Latency HLS: EXT-X-RENDITION-REPORT for the stream's other renditions when the
// playlist is given the stream's RenditionGroup (Options::renditions), and Playlist Delta Updates
// (`_HLS_skip`: live_skip.m3u8, live_skip_v2.m3u8, CAN-SKIP-UNTIL) when its window holds at least
// kDeltaUpdateMinWindow segments.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "media/date_ranges.h"
#include "media/playlist_progress.h"
#include "media/rendition_group.h"
#include "publish/segment.h"

namespace shopcast::video_ingest::media {

class LivePlaylist {
 public:
  struct Options {
    std::filesystem::path stream_dir;  // Where the playlists (and the segments) live.
    absl::Duration target_duration;    // The packager's target (see target_duration_s()).
    int window = 6;                    // Segments listed in the media playlist.
    std::string media_playlist_name = "live.m3u8";
    std::string master_playlist_name = "index.m3u8";
    // Called after each successful write of the media playlist, with the playlist's lock held
    // (so calls are in order): the HLS origin wakes the blocking reloads it satisfies. It must
    // only record and post, never block or call back into this object.
    std::function<void(const PlaylistProgress&)> on_written;
    // Which versions of the media playlist go to disk. With on_written every version (and its
    // delta updates) is also handed over in memory (PlaylistProgress::snapshot) for the origin
    // to serve. kEvery writes every version to the file too (each part, date range, segment;
    // the delta updates beside it). kSegments writes the file only when a segment is appended
    // and when the playlist ends (fsynced), never the delta updates: the versions in between
    // live in memory only, which saves a file created, written, swapped in and unlinked per
    // part; the file is then at most one segment behind (what a reader of the file alone sees:
    // another replica, this one after a restart). Without on_written every version is written
    // whatever this says, since nobody would see it otherwise.
    enum class PlaylistFiles { kEvery, kSegments };
    PlaylistFiles playlist_files = PlaylistFiles::kEvery;
    // Low-Latency HLS with on_written: the packager keeps each part in memory (PartInfo::data)
    // instead of writing a part file, and every version's snapshot carries the parts it lists
    // for the origin to serve (a part is let go when it leaves the listing). The
    // playlist file then lists no parts at all (a regular HLS playlist: whoever reads the file
    // instead of the snapshot, another replica or this one after a restart, could not fetch
    // them). See parts_in_memory().
    bool parts_in_memory = false;
    // Low-Latency HLS: the Part Target Duration (EXT-X-PART-INF), or zero for regular HLS only.
    absl::Duration part_target = absl::ZeroDuration();

    // --- Rendition reports and delta updates (Low-Latency HLS only) ---
    // EXT-X-RENDITION-REPORT: the stream's group of media playlists (rendition_group.h). This
    // playlist joins it at construction as `rendition_path` (relative to the stream folder,
    // "live.m3u8" or "720p/live.m3u8"; media_playlist_name when empty), publishes where it ends
    // from each write and lists a report for every other member that has published; it leaves
    // at End() and when destroyed. nullptr (or regular HLS): no reports, the playlist is written
    // exactly as without a group.
    std::shared_ptr<RenditionGroup> renditions;
    std::string rendition_path;
    // The wall clock for the delta updates' EXT-X-DATERANGE rules (when a tag entered or left
    // the playlist); absl::Now when unset.
    std::function<absl::Time()> now;

    // Rendition ladder (rendition_ladder.h): more variants for the master playlist, appended
    // after this playlist's own (called with this playlist's lock held: it must not call back
    // into this object). Unset: the one-variant master of before, byte for byte. An empty
    // master_playlist_name writes no master at all (a rung's playlist).
    std::function<std::string()> master_variants;
  };

  // What the master playlist says of this playlist's variant (the rendition ladder lists its
  // rungs with it): peak and average bits per second over the segments appended so far.
  struct VariantStats {
    int64_t peak_bps = 0;
    int64_t average_bps = 0;
    MediaInfo media;
    int64_t segments = 0;  // Appended by this object.
  };

  // Delta updates (RFC 8216bis 6.2.5.1) are written, and CAN-SKIP-UNTIL advertised, with
  // Low-Latency HLS when the window holds at least this many segments: the Skip Boundary must
  // be at least six target durations, so a shorter window has (almost) nothing older than it to
  // skip; from twelve on a delta update leaves out at least about half of the segments.
  static constexpr int kDeltaUpdateMinWindow = 12;
  // The Skip Boundary (CAN-SKIP-UNTIL), in target durations: the least the RFC allows.
  static constexpr int kSkipBoundaryTargets = 6;

  // A partial segment of the segment in progress, as the packager closed it: its file
  // (PartFileName(sequence, index)) is complete on disk.
  struct PartInfo {
    int64_t sequence = 0;  // The segment it belongs to: next_sequence().
    int index = 0;         // 0, 1, 2… within the segment.
    absl::Duration duration;
    bool independent = false;  // Starts with a keyframe (or is audio): INDEPENDENT=YES.
    // The segment's program date time (the same for every part of a segment).
    absl::Time program_date_time;
    // Parts in memory: its bytes (no file); null when it was written to its file.
    std::shared_ptr<const PartData> data = nullptr;
  };

  // Resumes at `next_sequence` after `media_offset` of earlier media (0 and zero for a new
  // stream; after a restart, the values recorded for the stream's last segment).
  LivePlaylist(Options options, int64_t next_sequence, absl::Duration media_offset);
  ~LivePlaylist();  // Leaves the rendition group.
  LivePlaylist(const LivePlaylist&) = delete;
  LivePlaylist& operator=(const LivePlaylist&) = delete;

  // True when the packager should keep this playlist's parts in memory (PartInfo::data)
  // rather than write part files: Options::parts_in_memory, with Low-Latency HLS and someone
  // told of each version (on_written) to serve them.
  bool parts_in_memory() const {
    return options_.parts_in_memory && low_latency() && static_cast<bool>(options_.on_written);
  }

  // The sequence number the next appended segment must carry.
  int64_t next_sequence() const ABSL_LOCKS_EXCLUDED(mu_);
  // The total duration of all segments appended so far (including before a resume).
  absl::Duration media_offset() const ABSL_LOCKS_EXCLUDED(mu_);

  // When the last appended segment ends in wall-clock terms (its date time plus its duration),
  // or nullopt before the first Append of this object.
  std::optional<absl::Time> end_program_date_time() const ABSL_LOCKS_EXCLUDED(mu_);

  // Marks the next appended segment with EXT-X-DISCONTINUITY (a new encoder session).
  void MarkDiscontinuity() ABSL_LOCKS_EXCLUDED(mu_);

  // Adds `segment` (sequence must equal next_sequence(); it is marked as a discontinuity if
  // MarkDiscontinuity() was called or segment.discontinuity is set) and atomically rewrites both
  // playlists. A write error is returned (STORAGE_FAILURE) but the segment stays appended, so the
  // next successful write is complete again.
  // With Low-Latency HLS, `last_part` is the segment's last part, closed with it: listed in
  // the same write.
  absl::Status Append(const SegmentInfo& segment, const MediaInfo& media,
                      const std::optional<PartInfo>& last_part = std::nullopt)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Low-Latency HLS: lists a part of the segment in progress (sequence must equal
  // next_sequence(), index the number of parts appended for it so far) and rewrites the media
  // playlist (without fsync, as every write of the live playlist but the last, End's: after a crash
  // or restart the playlist starts afresh from the recorded sequence, so an older live version on
  // disk misleads nobody; segment files are fsynced before they are listed). The next
  // Append takes the parts appended for its segment. Nothing is written before the first
  // segment is complete: EXT-X-TARGETDURATION is fixed by that segment. FAILED_PRECONDITION
  // without part_target, after End, or out of order.
  absl::Status AppendPart(const PartInfo& part) ABSL_LOCKS_EXCLUDED(mu_);

  // Forgets the parts of a segment that will never be complete (its session failed or was
  // torn down) and rewrites the playlist without them; the next session writes that segment
  // number afresh.
  absl::Status DropPendingParts() ABSL_LOCKS_EXCLUDED(mu_);

  // Rendition ladder: rewrites the master playlist (a rung appeared or left it); nothing before
  // the first segment, nor without a master playlist name.
  absl::Status WriteMaster() ABSL_LOCKS_EXCLUDED(mu_);
  VariantStats variant_stats() const ABSL_LOCKS_EXCLUDED(mu_);

  // Rendition ladder: a rung that lost segments (its encoder failed, or it fell behind) resumes
  // at segment `next_sequence`, later than next_sequence(), with `media_offset`. Media sequence
  // numbers are implicit in a playlist, so the listing restarts there: earlier entries leave it
  // (counted in EXT-X-DISCONTINUITY-SEQUENCE) and the next segment carries
  // EXT-X-DISCONTINUITY. Parts of an unfinished segment are dropped. FAILED_PRECONDITION when
  // `next_sequence` is not later, or after End.
  absl::Status SkipTo(int64_t next_sequence, absl::Duration media_offset) ABSL_LOCKS_EXCLUDED(mu_);

  // The progress told to on_written after the last write.
  PlaylistProgress progress() const ABSL_LOCKS_EXCLUDED(mu_);

  // EXT-X-TARGETDURATION. RFC 8216 forbids changing it, so it is chosen once, when the first
  // segment is appended (nothing is published before): the configured target's ceiling, or the
  // first segment's EXTINF rounded to the nearest second if that is longer (an encoder whose
  // keyframe interval is longer than the target makes every segment one GOP long). It then stays
  // for the life of this object, across reconnects.
  int64_t target_duration_s() const ABSL_LOCKS_EXCLUDED(mu_);

  // Segments appended whose rounded EXTINF exceeds the target duration (a reconnecting encoder
  // with a longer keyframe interval than the first one). They are listed anyway: dropping media
  // is worse for viewers than a long segment, which players tolerate; the tag still stays.
  int64_t segments_over_target() const ABSL_LOCKS_EXCLUDED(mu_);

  // Live timed metadata (date_ranges.h): keeps `range` and, once the playlist lists a segment
  // (a DATERANGE needs a program date time beside it), rewrites the media playlist at once, so
  // players see it without waiting for the next segment. True if written now; false if it was
  // already held (by id) or waits for the first segment. INVALID_ARGUMENT as ValidateDateRange
  // says; FAILED_PRECONDITION PLAYLIST_ENDED once ended; a write error as Append's.
  absl::StatusOr<bool> AddDateRange(DateRange range) ABSL_LOCKS_EXCLUDED(mu_);

  // Rewrites the media playlist with EXT-X-ENDLIST: the stream is over; Append fails afterwards.
  // Parts of a segment still in progress are dropped (an ended playlist lists complete media).
  absl::Status End() ABSL_LOCKS_EXCLUDED(mu_);

  // The text of the media / master playlist as it would be written now.
  std::string MediaPlaylistText() const ABSL_LOCKS_EXCLUDED(mu_);
  std::string MasterPlaylistText() const ABSL_LOCKS_EXCLUDED(mu_);

  // Delta updates: whether this playlist writes them (Low-Latency HLS and a window of at least
  // kDeltaUpdateMinWindow). Each write of the media playlist then first writes its delta
  // updates, SkipPlaylistName (for `_HLS_skip=YES`: EXT-X-VERSION 9, the segments more than the
  // Skip Boundary before the end of the last complete segment replaced by
  // `EXT-X-SKIP:SKIPPED-SEGMENTS=n`, every EXT-X-DATERANGE kept) and SkipV2PlaylistName (for
  // `v2`: EXT-X-VERSION 10, also without the EXT-X-DATERANGE tags that entered the playlist more
  // than the Skip Boundary ago, and with RECENTLY-REMOVED-DATERANGES listing those that left it
  // within the Skip Boundary), so the origin serves a delta as new as the progress it reported.
  // An ended playlist has none (its files are deleted).
  bool delta_updates() const { return delta_updates_; }
  // The text of the delta update as it was last written (`skip_dateranges`: the v2 one); empty
  // when this playlist writes none.
  std::string DeltaPlaylistText(bool skip_dateranges) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Part {
    int64_t duration_ms = 0;
    bool independent = false;
    std::string uri;
    std::shared_ptr<const PartData> data;  // Parts in memory; null for a part file.
  };
  struct Entry {
    int64_t sequence = 0;
    absl::Time program_date_time;
    std::string program_date_time_text;  // As listed: formatted once, listed every version.
    int64_t duration_ms = 0;
    std::string uri;
    bool discontinuity = false;
    std::vector<Part> parts;  // Low-Latency HLS.
    int64_t end_ms = 0;       // Where it ends on this object's media timeline.
    bool part_files_deleted = false;
  };

  bool low_latency() const { return options_.part_target > absl::ZeroDuration(); }
  // Checks `part` and adds it to pending_parts_.
  absl::Status AddPart(const PartInfo& part) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes the next version of the media playlist, writes it (`to_disk`: also with
  // PlaylistFiles::kSegments; the ended playlist always) and, when that worked, tells
  // options_.on_written with the version as a snapshot. `durable`: fsync the file and the folder
  // (the end only; see AppendPart).
  absl::Status WriteMediaPlaylist(bool durable, bool to_disk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True when every version goes to disk (see Options::playlist_files).
  bool every_version_to_disk() const {
    return options_.playlist_files == Options::PlaylistFiles::kEvery || !options_.on_written;
  }
  // True when entry `e`'s parts are listed: it ends within three target durations of the
  // playlist's end (the spec's recommendation for how long parts stay).
  bool ListsParts(const Entry& e) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes the part files of entries more than four target durations from the end.
  void DeleteOldParts() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeletePartFiles(Entry& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes a part's file, or (in memory) nothing: dropping the Part frees its bytes.
  void DeletePart(const Part& p) const;
  void AppendPartLines(std::string& out, const std::vector<Part>& parts) const;
  // What MediaText writes: the whole playlist, or a delta update (rendition reports and delta
  // updates below).
  enum class Delta { kNone, kSkipSegments, kSkipSegmentsAndDateRanges };
  // `with_parts` false: the Low-Latency tags left out (parts, preload hint, server control,
  // rendition reports): the file of a playlist whose parts are in memory only.
  std::string MediaText(Delta delta = Delta::kNone, bool with_parts = true) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string MasterText() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the master playlist unless it would be the same as the last one written by this
  // object; fsynced only the first time (see the .cc).
  absl::Status WriteMasterLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string master_written_ ABSL_GUARDED_BY(mu_);

  Options options_;  // Const after construction.
  mutable absl::Mutex mu_;
  int64_t next_sequence_ ABSL_GUARDED_BY(mu_);
  absl::Duration media_offset_ ABSL_GUARDED_BY(mu_);
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Low-Latency HLS: the parts of segment next_sequence_ so far, its date time, and where the
  // media of this object ends (the end of the last part or segment).
  std::vector<Part> pending_parts_ ABSL_GUARDED_BY(mu_);
  std::string pending_program_date_time_text_ ABSL_GUARDED_BY(mu_);
  int64_t pending_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t end_ms_ ABSL_GUARDED_BY(mu_) = 0;
  PlaylistProgress progress_ ABSL_GUARDED_BY(mu_);
  // Discontinuities that slid out of the window.
  int64_t discontinuity_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  // Fixed by the first Append (target_fixed_); players rely on it staying put.
  int64_t target_duration_s_ ABSL_GUARDED_BY(mu_);
  bool target_fixed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t segments_over_target_ ABSL_GUARDED_BY(mu_) = 0;
  bool pending_discontinuity_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Time> end_program_date_time_ ABSL_GUARDED_BY(mu_);
  DateRangeSet date_ranges_ ABSL_GUARDED_BY(mu_);

  // --- Rendition reports and delta updates ---
  int64_t SkipBoundaryMs() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // How many segments from the front a delta update skips.
  size_t SkippedSegments() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Notes which EXT-X-DATERANGE ids the playlist lists now: when each entered, when each left.
  void TrackDateRanges(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes both delta updates (`skip`, `skip_v2`: their texts) before the full playlist; on
  // failure deletes them, so the origin falls back to the full playlist rather than serving an
  // old delta.
  absl::Status WriteDeltaPlaylists(std::string_view skip, std::string_view skip_v2)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeleteDeltaPlaylists() const;
  absl::Time Now() const { return options_.now ? options_.now() : absl::Now(); }
  bool delta_updates_ = false;                 // Const after construction.
  RenditionGroup::MemberId member_ = 0;        // Const after construction; 0: not in a group.
  absl::Time delta_now_ ABSL_GUARDED_BY(mu_);  // The clock at the last TrackDateRanges.
  std::map<std::string, absl::Time> daterange_listed_since_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<std::string, absl::Time>> daterange_removed_ ABSL_GUARDED_BY(mu_);

  // For the master playlist.
  MediaInfo media_ ABSL_GUARDED_BY(mu_);
  double peak_bps_ ABSL_GUARDED_BY(mu_) = 0;
  double total_bits_ ABSL_GUARDED_BY(mu_) = 0;
  double total_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t segments_appended_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shopcast::video_ingest::media
