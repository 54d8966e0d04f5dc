#pragma once

// The tiers' RPCs as plain calls (caller in, response or status out), so they are tested
// without gRPC; tiers_rpcs.h puts them on the wire.
//
//   GetAgingPolicy      admin (by id or host); a host for their own host_id
//   ListAgingPolicies   admin; by name, paged (page_size 0..100, default 20)
//   CreateAgingPolicy   admin
//   UpdateAgingPolicy   admin; update_mask + version
//   MoveRecording       admin; HOT, WARM or COLD, any direction (a restore from COLD too)
//   SetLegalHold        admin; FAILED_PRECONDITION/PURGE_IN_PROGRESS once the media is going
//   RunAgingPass        internal; as_of only in test-clock mode (TEST_MODE_OFF)
//   DryRunAgingPass     internal; same
// Non-admins get PERMISSION_DENIED/ADMIN_REQUIRED (or NOT_POLICY_HOST).

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mover/mover.h"
#include "policies/aging_pass.h"
#include "policies/policy_store.h"
#include "shopcast/auth/caller.h"
#include "shopcast/db/pool.h"
#include "shopcast/pagetoken/codec.h"

namespace shopcast::recording_lifecycle::policies {

inline constexpr char kReasonAdminRequired[] = "ADMIN_REQUIRED";
inline constexpr char kReasonNotPolicyHost[] = "NOT_POLICY_HOST";
inline constexpr char kReasonKeyRequired[] = "KEY_REQUIRED";
inline constexpr char kReasonTierInvalid[] = "TIER_INVALID";
inline constexpr char kReasonPurgeInProgress[] = "PURGE_IN_PROGRESS";
inline constexpr char kReasonTestModeOff[] = "TEST_MODE_OFF";
inline constexpr char kReasonPageSizeInvalid[] = "PAGE_SIZE_INVALID";
inline constexpr char kReasonMaxInvalid[] = "MAX_INVALID";

// GetRecording's full view of a recording as `caller` sees it (the recordings area's), for
// MoveRecording's answer.
using RecordingView =
    std::function<absl::StatusOr<pb::Recording>(const auth::Caller& caller, const std::string& id)>;

class TiersService {
 public:
  // Everything outlives the service; `mover` may be null (not woken).
  TiersService(db::Pool& pool, PolicyStore& store, AgingPass& aging, mover::Mover* mover,
               const pagetoken::Codec& page_tokens,
               std::vector<std::string> event_destinations = {"realtime_push"});

  absl::StatusOr<pb::GetAgingPolicyResponse> GetAgingPolicy(const auth::Caller& caller,
                                                            const pb::GetAgingPolicyRequest& r);
  absl::StatusOr<pb::ListAgingPoliciesResponse> ListAgingPolicies(
      const auth::Caller& caller, const pb::ListAgingPoliciesRequest& r);
  absl::StatusOr<pb::CreateAgingPolicyResponse> CreateAgingPolicy(
      const auth::Caller& caller, const pb::CreateAgingPolicyRequest& r);
  absl::StatusOr<pb::UpdateAgingPolicyResponse> UpdateAgingPolicy(
      const auth::Caller& caller, const pb::UpdateAgingPolicyRequest& r);
  // MoveRecording answers `view`'s recording once set (the app sets it before serving; the
  // recordings area is built after this one), else the tiers' own shorter view.
  void SetRecordingView(RecordingView view) { view_ = std::move(view); }

  absl::StatusOr<pb::MoveRecordingResponse> MoveRecording(const auth::Caller& caller,
                                                          const pb::MoveRecordingRequest& r);
  absl::StatusOr<pb::SetLegalHoldResponse> SetLegalHold(const auth::Caller& caller,
                                                        const pb::SetLegalHoldRequest& r);
  // Internal (the listener authenticated the calling service).
  absl::StatusOr<pb::RunAgingPassResponse> RunAgingPass(const pb::RunAgingPassRequest& r);
  absl::StatusOr<pb::DryRunAgingPassResponse> DryRunAgingPass(const pb::DryRunAgingPassRequest& r);

 private:
  absl::StatusOr<absl::Time> AsOf(bool has, const google::protobuf::Timestamp& as_of);

  db::Pool& pool_;
  PolicyStore& store_;
  AgingPass& aging_;
  mover::Mover* mover_;
  const pagetoken::Codec& page_tokens_;
  const std::vector<std::string> event_destinations_;
  RecordingView view_;
};

}  // namespace shopcast::recording_lifecycle::policies
