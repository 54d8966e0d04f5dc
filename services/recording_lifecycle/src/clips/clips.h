#pragma once

// CreateClip, GetClip, ListClips, DeleteClip, ListThumbnails and SetPrimaryThumbnail on plain
// callers: validation, visibility and ownership, the rows, the protos. The RPC surface
// (clips_rpcs.h) authenticates; the worker (clip_worker.h) cuts.
//
// Visibility (the contract's): a recording that is not SAVED is seen by its host and admins
// only; anyone else gets NOT_FOUND/RECORDING_NOT_FOUND (NOT_FOUND/CLIP_NOT_FOUND for its clips),
// exactly as if it did not exist. Changes (CreateClip, DeleteClip, SetPrimaryThumbnail) are the
// host's: PERMISSION_DENIED/NOT_RECORDING_OWNER for anyone else who can see the recording.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clips/clip_range.h"
#include "clips/clip_store.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "shopcast/auth/caller.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"
#include "storage/storage_provider.h"

namespace shopcast::recording_lifecycle::clips {

struct ClipsOptions {
  RangeLimits limits;
  // Around a moment: from lead_in before it to lead_out after (automatic clips too).
  absl::Duration lead_in = absl::Seconds(5);
  absl::Duration lead_out = absl::Seconds(20);
  // Host-made clips per recording (automatic ones are not counted).
  int max_clips_per_recording = 50;
  // Signed URLs handed out stay valid this long.
  absl::Duration url_ttl = absl::Hours(6);
};

// The URL a player fetches a READY clip's MP4 from (the lead wires rl-playback's signer:
// /vod/<rec>/clips/<clp>.mp4), valid until `expires`.
using ClipUrlMaker = std::function<std::string(const v1::Clip& clip, absl::Time expires)>;
// The URL of a JPEG object of a recording (a clip's poster rec_…/clips/clp_….jpg, a thumbnail
// rec_…/thumbs/thm_….jpg, video-ingest's poster str_…/poster.jpg), valid until `expires`.
using ImageUrlMaker = std::function<std::string(const std::string& recording_id,
                                                const std::string& object_key, absl::Time expires)>;

// The full Recording as GetRecording shows it to `caller` (the app wires the recordings area):
// SetPrimaryThumbnail answers with it.
using RecordingView = std::function<absl::StatusOr<v1::Recording>(const auth::Caller& caller,
                                                                  const std::string& recording_id)>;

// The object keys of a clip (the same in every tier, under the recording's prefix).
std::string ClipMp4Key(const std::string& recording_id, const std::string& clip_id);
std::string ClipPosterKey(const std::string& recording_id, const std::string& clip_id);
std::string ThumbnailKey(const std::string& recording_id, const std::string& thumbnail_id);

class Clips {
 public:
  // Everything outlives the object. `hot` is the hot tier (clips are cut into it); `tiers`
  // (may be empty: hot only) every tier a clip's objects may have aged into, so DeleteClip
  // removes them wherever they are; an empty URL maker leaves the URLs empty; `wake` (may be
  // empty) tells the worker a job is waiting; `metrics` may be null; `recording_view` (may be
  // empty: the fields this area reads) gives SetPrimaryThumbnail's answer.
  Clips(ClipStore& store, storage::StorageProvider& hot, ClipsOptions options,
        pagetoken::Codec page_tokens, ClipUrlMaker clip_url, ImageUrlMaker image_url,
        std::function<void()> wake, prometheus::Registry* metrics, ProviderLookup tiers = nullptr,
        RecordingView recording_view = nullptr);

  absl::StatusOr<v1::Clip> Create(const auth::Caller& caller, const v1::CreateClipRequest& request);
  absl::StatusOr<v1::Clip> Get(const std::optional<auth::Caller>& caller,
                               const v1::GetClipRequest& request);
  absl::StatusOr<v1::ListClipsResponse> List(const std::optional<auth::Caller>& caller,
                                             const v1::ListClipsRequest& request);
  absl::Status Delete(const auth::Caller& caller, const v1::DeleteClipRequest& request);

  absl::StatusOr<v1::ListThumbnailsResponse> ListThumbnails(
      const std::optional<auth::Caller>& caller, const v1::ListThumbnailsRequest& request);
  absl::StatusOr<v1::Recording> SetPrimaryThumbnail(const auth::Caller& caller,
                                                    const v1::SetPrimaryThumbnailRequest& request);

  // The proto of a row (URLs signed now).
  v1::Clip ToProto(const ClipRow& row) const;

 private:
  // The recording if `caller` may see it; NOT_FOUND/RECORDING_NOT_FOUND otherwise.
  absl::StatusOr<RecordingRow> VisibleRecording(const std::optional<auth::Caller>& caller,
                                                const std::string& recording_id);
  void Count(const char* op, const absl::Status& s);

  ClipStore& store_;
  storage::StorageProvider& hot_;
  const ClipsOptions options_;
  const pagetoken::Codec page_tokens_;
  const ClipUrlMaker clip_url_;
  const ImageUrlMaker image_url_;
  const std::function<void()> wake_;
  const ProviderLookup tiers_;
  const RecordingView recording_view_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
};

}  // namespace shopcast::recording_lifecycle::clips
