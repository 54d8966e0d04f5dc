#pragma once

#include <functional>
#include <string>

// The recordings RPCs' logic (GetRecording, ListRecordings, ListMoments, SaveOrDelete,
// UpdateRecording), blocking, on the service's database. Visibility as the contract says:
// recordings not SAVED are the host's and admins' only (others: NOT_FOUND/RECORDING_NOT_FOUND);
// changes are the host's (PERMISSION_DENIED/NOT_RECORDING_OWNER).

#include <string>

#include "absl/status/status.h"
#include "prometheus/registry.h"
#include "recordings/locations.h"
#include "recordings/rules.h"
#include "shopcast/db/pool.h"
#include "shopcast/pagetoken/codec.h"

namespace shopcast::recording_lifecycle::recordings {

// The signed URL of a JPEG object of a recording (its poster or a thumbnail), for
// Recording.thumbnail_url; the app wires the VOD origin's signer.
using ThumbnailUrl =
    std::function<std::string(const std::string& recording_id, const std::string& object_key)>;
// Fills what other areas know of a recording GetRecording shows (the app wires the aging
// policies: Recording.next_transition_at); `legal_hold` is not in the proto.
using RecordingDecorator = std::function<void(v1::Recording* recording, bool legal_hold)>;

class Recordings {
 public:
  // Everything outlives the object. An empty `thumbnail_url` leaves Recording.thumbnail_url
  // empty. `deleting` (may be empty) is called after a SaveOrDelete(DELETE) made a recording
  // DELETING committed: the app wakes the purger, so the media goes at once.
  // `decorate` (may be empty) completes GetRecording's answer after its transaction.
  // `providers` names the tiers' storage for an admin's Recording.locations.
  Recordings(db::Pool& pool, const pagetoken::Codec& page_tokens,
             ThumbnailUrl thumbnail_url = nullptr, std::function<void()> deleting = nullptr,
             RecordingDecorator decorate = nullptr, TierProviderNames providers = {});

  absl::Status GetRecording(const Viewer& viewer, const v1::GetRecordingRequest& request,
                            v1::GetRecordingResponse* response);
  absl::Status ListRecordings(const Viewer& viewer, const v1::ListRecordingsRequest& request,
                              v1::ListRecordingsResponse* response);
  absl::Status ListMoments(const Viewer& viewer, const v1::ListMomentsRequest& request,
                           v1::ListMomentsResponse* response);
  // SAVE keeps it; DELETE sets DELETING (the tiers area's purge removes the media and sets
  // DELETED; a recording still RECORDING becomes DELETING when its stream ends). Idempotent
  // with the same decision; SAVE after DELETE is FAILED_PRECONDITION/RECORDING_DELETED; DELETE
  // under a legal hold FAILED_PRECONDITION/LEGAL_HOLD.
  absl::Status SaveOrDelete(const auth::Caller& caller, const v1::SaveOrDeleteRequest& request,
                            v1::SaveOrDeleteResponse* response);
  absl::Status UpdateRecording(const auth::Caller& caller,
                               const v1::UpdateRecordingRequest& request,
                               v1::UpdateRecordingResponse* response);

 private:
  db::Pool& pool_;
  const pagetoken::Codec& page_tokens_;
  const ThumbnailUrl thumbnail_url_;
  const std::function<void()> deleting_;
  const RecordingDecorator decorate_;
  const TierProviderNames providers_;
};

}  // namespace shopcast::recording_lifecycle::recordings
