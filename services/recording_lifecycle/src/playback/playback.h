#pragma once

// Playback of recordings: who may play what (GetPlaybackUrl's visibility and readiness rules),
// signed VOD URLs, the VOD playlist (GetPlaylist) and where one segment's bytes are now
// (ResolveSegment). The VOD origin (vod_origin.h) serves what these URLs name.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "playback/playback_store.h"
#include "playback/vod_token.h"
#include "shopcast/auth/caller.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::playback {

// The provider of a tier (HOT, WARM, COLD), or null when the tier is not configured. Owned by
// whoever made it (rl-tiers' tier set); must outlive playback and the origin.
using TierProviders = std::function<storage::StorageProvider*(v1::StorageTier)>;

struct PlaybackOptions {
  // Base of the URLs handed to players: "<public_base_url>/vod/<rec>/index.m3u8?token=…" (the
  // gateway, e.g. "https://shopcast.example" or "http://127.0.0.1:8080"). No trailing "/".
  std::string public_base_url = "http://127.0.0.1:8080";
  // Base of the VOD origin itself, for ResolveSegment's answers on local tiers.
  std::string origin_base_url = "http://127.0.0.1:8090";
  absl::Duration url_ttl = absl::Hours(6);
  // GetPlaybackUrl(moment): start this long before the moment (clamped at 0).
  absl::Duration moment_lead_in = absl::Seconds(5);
  // ResolveSegment's URLs (presigned for COLD, a short token for local tiers).
  absl::Duration resolve_ttl = absl::Minutes(15);
};

// Reasons.
inline constexpr char kReasonRecordingNotFound[] = "RECORDING_NOT_FOUND";
inline constexpr char kReasonRecordingNotReady[] = "RECORDING_NOT_READY";
inline constexpr char kReasonRecordingExpired[] = "RECORDING_EXPIRED";
inline constexpr char kReasonOffsetOutOfRange[] = "OFFSET_OUT_OF_RANGE";
inline constexpr char kReasonMomentNotFound[] = "MOMENT_NOT_FOUND";
inline constexpr char kReasonIdInvalid[] = "ID_INVALID";
inline constexpr char kReasonSegmentNotFound[] = "SEGMENT_NOT_FOUND";
inline constexpr char kReasonAccessPassRequired[] = "ACCESS_PASS_REQUIRED";

// Whether `caller` (nullopt: anonymous) may see `rec`: SAVED recordings are public, the others
// their host's and admins' only.
bool MayView(const RecordingRow& rec, const std::optional<auth::Caller>& caller);
// Whether `caller` may play `rec` without an access pass: it was not gated, or the caller is its
// host or an admin. Anyone else plays a gated recording only with an unrevoked pass for its
// stream (GetPlaybackUrl: UNAUTHENTICATED/TOKEN_MISSING, PERMISSION_DENIED/ACCESS_PASS_REQUIRED).
bool PlaysFree(const RecordingRow& rec, const std::optional<auth::Caller>& caller);
// OK when the media can be played now; FAILED_PRECONDITION/RECORDING_NOT_READY while RECORDING
// or PROCESSING, RECORDING_EXPIRED when DELETING, DELETED or in tier EXPIRED.
absl::Status Playable(const RecordingRow& rec);

class Playback {
 public:
  // Everything outlives the object.
  Playback(PlaybackStore& store, const VodTokenCodec& codec, TierProviders providers,
           PlaybackOptions options)
      : store_(store),
        codec_(codec),
        providers_(std::move(providers)),
        options_(std::move(options)) {}

  absl::StatusOr<v1::GetPlaybackUrlResponse> GetPlaybackUrl(
      const std::optional<auth::Caller>& caller, const v1::GetPlaybackUrlRequest& request,
      absl::Time now);
  absl::StatusOr<v1::GetPlaylistResponse> GetPlaylist(const v1::GetPlaylistRequest& request);
  absl::StatusOr<v1::ResolveSegmentResponse> ResolveSegment(
      const v1::ResolveSegmentRequest& request, absl::Time now);

  // The playlist text of a playable recording with segment URIs `<sequence>.ts<uri_suffix>`
  // (relative) and EXT-X-START at `start_us`; NOT_FOUND/RECORDING_NOT_FOUND, as Playable.
  absl::StatusOr<std::string> PlaylistText(const std::string& recording_id,
                                           std::optional<int64_t> start_us,
                                           const std::string& uri_prefix,
                                           const std::string& uri_suffix,
                                           v1::StorageTier* tier = nullptr);

  const PlaybackOptions& options() const { return options_; }
  PlaybackStore& store() { return store_; }
  const TierProviders& providers() const { return providers_; }

 private:
  // The recording, or NOT_FOUND/RECORDING_NOT_FOUND (also for a bad id).
  absl::StatusOr<RecordingRow> Load(const std::string& id);

  PlaybackStore& store_;
  const VodTokenCodec& codec_;
  TierProviders providers_;
  PlaybackOptions options_;
};

}  // namespace shopcast::recording_lifecycle::playback
