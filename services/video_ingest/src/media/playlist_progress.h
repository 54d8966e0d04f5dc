#pragma once

// How far a live media playlist has got: what the HLS origin needs to answer a blocking
// playlist reload (`_HLS_msn` / `_HLS_part`, RFC 8216bis 6.2.5.2) the moment the playlist holds
// what the player asked for. LivePlaylist publishes it after every write of its media playlist
// (Options::on_written); the origin parks a request until Satisfies() holds. Pure data.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

// A partial segment's bytes held in memory instead of a file (LivePlaylist::Options::
// parts_in_memory): made once when the part closes, immutable, shared by every answer.
struct PartData {
  std::string bytes;
  absl::Time made;  // When the part closed (Last-Modified, and with the size, the ETag).
};

// One version of a live media playlist as its writer made it, published with its progress so
// the origin answers from memory (see LivePlaylist::Options::playlist_files): immutable once
// published, shared by every answer that serves it.
struct PlaylistSnapshot {
  std::string text;     // The whole playlist, exactly what the file would hold.
  std::string skip;     // The delta update for `_HLS_skip=YES`; empty when none is written.
  std::string skip_v2;  // … for `_HLS_skip=v2`; empty when none is written.
  absl::Time made;      // When this version was made (Last-Modified, and with the size, the ETag).
  // Parts in memory (LivePlaylist::Options::parts_in_memory) by file name (PartFileName): those
  // this version lists (at most until the next segment is appended).
  std::vector<std::pair<std::string, std::shared_ptr<const PartData>>> parts;

  // The part named `file_name`, or null.
  std::shared_ptr<const PartData> FindPart(std::string_view file_name) const {
    for (const auto& [name, data] : parts) {
      if (name == file_name) return data;
    }
    return nullptr;
  }
};

struct PlaylistProgress {
  // The media sequence number of the segment in progress: every segment before it is complete
  // and listed (or has slid out of the window).
  int64_t next_msn = 0;
  // Partial segments of segment `next_msn` listed so far (0 without Low-Latency HLS).
  int next_parts = 0;
  // How many parts segment `next_msn - 1` was listed with (0: none, a regular HLS segment).
  int last_parts = 0;
  // EXT-X-ENDLIST was written: nothing more will come, every blocking request is answered.
  bool ended = false;
  // EXT-X-PART-INF's PART-TARGET in milliseconds, exactly as the playlist writes it (0 without
  // Low-Latency HLS): what the Advance Part Limit is computed from.
  int64_t part_target_ms = 0;
  // The playlist as of this progress (null when the reporter has none, e.g. a test feeding
  // bare progress): the origin serves it instead of the file.
  std::shared_ptr<const PlaylistSnapshot> snapshot = nullptr;
};

// True when a playlist at `progress` holds media segment `msn` (no `part`), or partial segment
// `part` of segment `msn` or a later one: a part number past the last part of a complete
// segment means the first part of the next segment, as the specification says.
bool Satisfies(const PlaylistProgress& progress, int64_t msn, std::optional<int> part);

// True when a blocking reload for `msn` (and `part`) asks for more than the specification lets a
// client wait for, so the server answers 400 at once instead of parking it (RFC 8216bis
// 6.2.5.2): `msn` more than two beyond the last complete segment listed, or `part` at least the
// Advance Part Limit (AdvancePartLimitReached) beyond the last part listed. False once ended.
bool TooFarAhead(const PlaylistProgress& progress, int64_t msn,
                 std::optional<int> part = std::nullopt);

// How many parts (`msn`, `part`) lies beyond the last part the playlist lists, or nullopt when
// it lists no part (regular HLS, or before the first part) or the part is listed already.
// Counted as the RFC's roll-over rule says: past the last part of a *complete* segment is part 0
// of the next one (distance 1); for a later segment, whose earlier parts are not known yet, the
// least it can be (each segment in between has at least one part).
std::optional<int64_t> PartsBeyondLast(const PlaylistProgress& progress, int64_t msn, int part);

// The Advance Part Limit of RFC 8216bis 6.2.5.2: "three divided by the Part Target Duration if
// the Part Target Duration is less than one second, or three otherwise". True when `distance`
// parts beyond the last one reach it (the request "exceeds the last Partial Segment by the
// Advance Part Limit"); computed in integers from the PART-TARGET the playlist writes, so 0.334 s
// gives 8.98 (9 parts ahead refused, 8 waited for), 0.5 s gives 6, 1 s and more give 3.
bool AdvancePartLimitReached(int64_t distance, int64_t part_target_ms);

// File names the packager writes and the origin parks requests for (both sides use these, so
// they cannot drift): partial segment `part` of segment `msn` is "<msn, 6+ digits>_<part>.ts"
// next to the segment "<msn>.ts"; the delta update (`_HLS_skip=YES`) of media playlist "X.m3u8"
// is "X_skip.m3u8", the one for `_HLS_skip=v2` "X_skip_v2.m3u8".
std::string PartFileName(int64_t msn, int part);
// {msn, part} of a name PartFileName makes, or nullopt for any other name.
std::optional<std::pair<int64_t, int>> ParsePartFileName(std::string_view name);
std::string SkipPlaylistName(std::string_view media_playlist_name);
// The delta update for `_HLS_skip=v2` (EXT-X-DATERANGE tags skipped too): "X_skip_v2.m3u8".
std::string SkipV2PlaylistName(std::string_view media_playlist_name);

}  // namespace shopcast::video_ingest::media
