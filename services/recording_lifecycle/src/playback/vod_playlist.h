#pragma once

// The HLS VOD media playlist of a recording (RFC 8216bis): pure, from the segment index and the
// placed markers.
//
//   #EXTM3U, #EXT-X-VERSION:6, #EXT-X-TARGETDURATION (ceil of the longest segment),
//   #EXT-X-PLAYLIST-TYPE:VOD, #EXT-X-MEDIA-SEQUENCE (the first segment's), #EXT-X-INDEPENDENT-
//   SEGMENTS, optional #EXT-X-START:TIME-OFFSET=…,PRECISE=YES, one #EXT-X-DATERANGE per marker,
//   then per segment [#EXT-X-DISCONTINUITY] #EXT-X-PROGRAM-DATE-TIME #EXTINF URI, and
//   #EXT-X-ENDLIST.
//
// Media time: a player's position is the sum of the EXTINF durations before it, from the first
// segment on (media offset 0). A marker at media offset `o` falls in the segment s whose
// [start, start + duration) holds it; its START-DATE is that segment's program date time plus
// (o - start). A player that maps a position to a date through the nearest preceding
// EXT-X-PROGRAM-DATE-TIME (as hls.js and AVPlayer do) therefore lands on the marker's frame,
// across discontinuities and encoder clock jumps (the segment's own PDT is the anchor, never
// the first one's).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace shopcast::recording_lifecycle::playback {

struct PlaylistSegment {
  int64_t sequence = 0;
  absl::Time program_date_time;
  int64_t duration_us = 0;  // > 0
  bool discontinuity = false;
};

enum class MarkerKind { kSale, kAuctionSale, kPin, kAuctionClose };

// markers.kind spelled as the schema spells it; nullopt for anything else.
std::optional<MarkerKind> ParseMarkerKind(std::string_view kind);
// "com.shopcast.sale" (sale and auction sale), "com.shopcast.pin", "com.shopcast.auction-close".
std::string_view MarkerClass(MarkerKind kind);

struct PlaylistMarker {
  std::string id;  // mom_… / mrk_…: the DATERANGE ID (unique per playlist)
  MarkerKind kind = MarkerKind::kSale;
  int64_t media_offset_us = 0;
  std::string product_id;
  std::string order_id;
  std::string product_title;
  std::string auction_id;
  std::string result;  // auction_close
  int32_t quantity = 0;
  int64_t amount_minor = 0;
  std::string currency;    // ISO 4217; empty = no price
  bool cancelled = false;  // cancelled sales are left out
};

struct PlaylistInput {
  std::vector<PlaylistSegment> segments;  // in sequence order; at least one
  std::vector<PlaylistMarker> markers;    // any order
  // EXT-X-START; clamped to [0, total duration].
  std::optional<int64_t> start_offset_us;
  // Segment URI = uri_prefix + "<sequence>.ts" + uri_suffix (e.g. "?token=…").
  std::string uri_prefix;
  std::string uri_suffix;
};

// The playlist text. Precondition: at least one segment, durations > 0.
std::string BuildVodPlaylist(const PlaylistInput& input);

// `text` made safe for a quoted-string attribute value (RFC 8216bis 4.2): `"` becomes `'`, CR,
// LF and every other control character a space, invalid UTF-8 U+FFFD, cut (on a character
// boundary) to at most `max_bytes`.
std::string QuotedStringSafe(std::string_view text, size_t max_bytes = 256);

// "2026-12-05T06:00:00.123Z" (UTC, milliseconds).
std::string FormatProgramDateTime(absl::Time t);

// Total duration of the segments (µs).
int64_t TotalDurationUs(const std::vector<PlaylistSegment>& segments);

}  // namespace shopcast::recording_lifecycle::playback
