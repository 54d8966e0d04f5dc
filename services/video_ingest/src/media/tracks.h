#pragma once

// The two tracks a session's packager takes, as indices into per-track state.

namespace shopcast::video_ingest::media {

inline constexpr int kVideoTrack = 0;  // H.264, or HEVC when accepted (PackagerOptions).
inline constexpr int kAudioTrack = 1;  // AAC.
inline constexpr int kTrackCount = 2;

}  // namespace shopcast::video_ingest::media
