#pragma once

// Maps an HTTP request target onto what the VOD origin serves. Security-critical and pure: the
// only accepted shapes are
//   /vod/<rec_id>/index.m3u8            the playlist
//   /vod/<rec_id>/<sequence>.ts         a segment (decimal, no leading zero, at most 18 digits)
//   /vod/<rec_id>/poster.jpg            the recording's poster
//   /vod/<rec_id>/clips/<clp_id>.mp4    a clip, and .jpg its poster
//   /vod/<rec_id>/thumbs/<thm_id>.jpg   a thumbnail
// with ids exactly as shopcast::ids makes them, so nothing is ever decoded or normalised and
// no "..", "%", "\" or NUL reaches storage. Anything else is "not found". The query string is
// not part of the match; TokenParam reads the token from it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shopcast::recording_lifecycle::playback {

enum class VodResourceKind { kPlaylist, kSegment, kPoster, kClipVideo, kClipPoster, kThumbnail };

struct VodResource {
  VodResourceKind kind = VodResourceKind::kPlaylist;
  std::string recording_id;
  int64_t sequence = 0;  // kSegment
  std::string asset_id;  // clp_… (kClipVideo, kClipPoster), thm_… (kThumbnail)

  // The object key in every tier for clips and thumbnails ("rec_…/clips/clp_….mp4",
  // "rec_…/thumbs/thm_….jpg"); empty for the others (their keys are in the database).
  std::string ObjectKey() const;
};

// nullopt → 404. The absolute form "http://host/vod/…" is accepted (RFC 9112).
std::optional<VodResource> ParseVodTarget(std::string_view target);

// The first `token` query parameter's value as sent (base64url: nothing to decode); nullopt
// when there is none.
std::optional<std::string_view> VodTokenParam(std::string_view target);

// "application/vnd.apple.mpegurl", "video/mp2t", "image/jpeg", "video/mp4".
std::string_view ContentTypeOf(VodResourceKind kind);
// The metrics label: "playlist", "segment", "poster", "clip", "clip_poster", "thumbnail".
std::string_view KindLabel(VodResourceKind kind);

}  // namespace shopcast::recording_lifecycle::playback
