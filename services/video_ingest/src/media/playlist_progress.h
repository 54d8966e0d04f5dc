#pragma once

// How far a live media playlist has got: what the HLS origin needs to answer a blocking
// playlist reload (`_HLS_msn` / `_HLS_part`, RFC 8216bis 6.2.5.2) the moment the playlist holds
// what the player asked for. LivePlaylist publishes it after every write of its media playlist
// (Options::on_written); the origin parks a request until Satisfies() holds. Pure data.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace shopcast::video_ingest::media {

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
};

// True when a playlist at `progress` holds media segment `msn` (no `part`), or partial segment
// `part` of segment `msn` or a later one: a part number past the last part of a complete
// segment means the first part of the next segment, as the specification says.
bool Satisfies(const PlaylistProgress& progress, int64_t msn, std::optional<int> part);

// True when `msn` is more than two segments beyond the last segment listed: the server answers
// 400 at once instead of parking the request (RFC 8216bis 6.2.5.2).
bool TooFarAhead(const PlaylistProgress& progress, int64_t msn);

// File names the packager writes and the origin parks requests for (both sides use these, so
// they cannot drift): partial segment `part` of segment `msn` is "<msn, 6+ digits>_<part>.ts"
// next to the segment "<msn>.ts"; the delta update (`_HLS_skip`) of media playlist "X.m3u8" is
// "X_skip.m3u8".
std::string PartFileName(int64_t msn, int part);
// {msn, part} of a name PartFileName makes, or nullopt for any other name.
std::optional<std::pair<int64_t, int>> ParsePartFileName(std::string_view name);
std::string SkipPlaylistName(std::string_view media_playlist_name);

}  // namespace shopcast::video_ingest::media
