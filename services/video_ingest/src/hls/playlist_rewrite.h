#pragma once

// Carries a gated stream's playback token through the playlists the origin serves, so a
// standard player (hls.js, ffprobe, Safari) needs only the master playlist URL: every URI in
// the playlist — the URI lines (variant and media playlists, segments) and every URI="…"
// attribute (EXT-X-MAP init segments, EXT-X-MEDIA renditions, EXT-X-I-FRAME-STREAM-INF) —
// gets `token=<token>` appended to its query. Pure.

#include <string>
#include <string_view>

namespace shopcast::video_ingest::hls {

// `playlist` with `token` added to every URI; line endings and everything else kept as they
// are. `token` must be URL-safe as it is (base64url).
std::string AddTokenToUris(std::string_view playlist, std::string_view token);

}  // namespace shopcast::video_ingest::hls
