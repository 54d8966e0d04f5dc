#pragma once

// The media playlists of one live stream (the passthrough and each ladder rung), for
// EXT-X-RENDITION-REPORT (RFC 8216bis 4.4.5.4): a Low-Latency HLS playlist tells a player where
// every *other* rendition of the stream has got (its last segment and part), so a player that
// switches rendition asks the new playlist for the right `_HLS_msn` / `_HLS_part` at once instead
// of a tune-in round trip (Appendix B.1 requires one report per other rendition).
//
// Each LivePlaylist of a stream joins the stream's group (LivePlaylist::Options::renditions)
// under its path relative to the stream folder ("live.m3u8" for the passthrough,
// "720p/live.m3u8" for a rung). From inside each write of its media playlist it publishes where
// it now ends (Publish) and lists the others (ReportsFor), with URIs relative to itself:
// from "live.m3u8" to "720p/live.m3u8", from "720p/live.m3u8" to "../live.m3u8" and
// "../480p/live.m3u8".
//
// Thread-safe. Its mutex is a leaf lock: the group never calls out (no callbacks, no playlist
// pointers), so a playlist may call it while holding its own lock, and sibling playlists writing
// at once on their own threads never wait on each other through it (no lock-order cycle).
// Members come and go at run time: a rung whose encoder fails leaves (Leave or Remove) and the
// others stop reporting it from their next write.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "media/playlist_progress.h"

namespace shopcast::video_ingest::media {

// One EXT-X-RENDITION-REPORT line's values.
struct RenditionReport {
  std::string uri;               // Relative to the playlist the report is written into.
  int64_t last_msn = 0;          // LAST-MSN: the last segment, or the segment of the last part.
  std::optional<int> last_part;  // LAST-PART: the last part of segment last_msn, if it has one.

  friend bool operator==(const RenditionReport&, const RenditionReport&) = default;
};

// The tag line (with "\n"): `#EXT-X-RENDITION-REPORT:URI="…",LAST-MSN=…[,LAST-PART=…]`.
std::string RenderRenditionReport(const RenditionReport& report);

// LAST-MSN / LAST-PART of a playlist at `progress`: the segment in progress and its last part
// when it has parts listed, else the last complete segment (and its last part, if it was listed
// with parts). nullopt before the first segment.
std::optional<RenditionReport> ReportOf(const PlaylistProgress& progress);

// `to` relative to `from`, both paths relative to the same folder with '/' separators (no "."
// or ".." components): ("live.m3u8", "720p/live.m3u8") → "720p/live.m3u8";
// ("720p/live.m3u8", "live.m3u8") → "../live.m3u8"; ("720p/live.m3u8", "480p/live.m3u8") →
// "../480p/live.m3u8".
std::string RelativeUri(std::string_view from, std::string_view to);

// True for a member path: 1..8 '/'-separated components of [A-Za-z0-9_.-] (none "." or ".."),
// ending in ".m3u8".
bool IsValidRenditionPath(std::string_view path);

class RenditionGroup {
 public:
  using MemberId = uint64_t;

  RenditionGroup() = default;
  RenditionGroup(const RenditionGroup&) = delete;
  RenditionGroup& operator=(const RenditionGroup&) = delete;

  // Adds the media playlist at `path` (IsValidRenditionPath; relative to the stream folder) and
  // returns its id (never 0). It is reported once it has published. A member already at `path`
  // is replaced (the newest playlist object owns a path: a rung restarted with a fresh
  // LivePlaylist); the old one's Publish calls are then ignored and ReportsFor gives it nothing.
  // 0 for an invalid path (nothing joins).
  MemberId Join(std::string path) ABSL_LOCKS_EXCLUDED(mu_);

  // The member leaves: the others stop reporting it from their next write. A no-op for an id
  // that is not (or no longer) a member. LivePlaylist calls it from End() and its destructor.
  void Leave(MemberId member) ABSL_LOCKS_EXCLUDED(mu_);

  // Takes whichever member holds `path` out of the group (a rendition whose encoder failed,
  // while its playlist object lives on); true if one did. Its later Publish calls are ignored.
  bool Remove(std::string_view path) ABSL_LOCKS_EXCLUDED(mu_);

  // Where the member's playlist now ends (from inside its write, after the file is in place).
  // Ignored for an id that is not a member.
  void Publish(MemberId member, const PlaylistProgress& progress) ABSL_LOCKS_EXCLUDED(mu_);

  // The reports `member`'s playlist lists: one per other member that has published, by path,
  // URIs relative to `member`'s path. Empty for an id that is not a member.
  std::vector<RenditionReport> ReportsFor(MemberId member) const ABSL_LOCKS_EXCLUDED(mu_);

  // The member paths, sorted.
  std::vector<std::string> paths() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Member {
    MemberId id = 0;
    std::optional<RenditionReport> last;  // uri unset: relative URIs are made per reader
  };

  mutable absl::Mutex mu_;
  std::map<std::string, Member, std::less<>> members_ ABSL_GUARDED_BY(mu_);  // by path
  MemberId next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace shopcast::video_ingest::media
