#pragma once

// Aging policies as data: validation of what an admin writes (every rule of the contract, one
// reason per mistake, the field it is about), and the pure evaluator that says what a policy
// does to one recording at a given time (the aging pass and the dry run share it; the clock is
// the caller's).
//
// Evaluation: an UNDECIDED recording past the policy's undecided_grace (since it ended) is
// deleted. Otherwise the first rule whose from_tier is the recording's tier and whose every
// condition holds applies: min_age since the recording ended, min_idle since the last playback
// (or the end, if never played), max_views, decision. A legal hold makes every answer "none".

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"

namespace shopcast::recording_lifecycle::policies {

namespace pb = ::shopcast::recording_lifecycle::v1;

// Reasons (INVALID_ARGUMENT unless noted).
inline constexpr char kReasonNameInvalid[] = "POLICY_NAME_INVALID";
inline constexpr char kReasonDescriptionTooLong[] = "DESCRIPTION_TOO_LONG";
inline constexpr char kReasonHostIdInvalid[] = "HOST_ID_INVALID";
inline constexpr char kReasonHostIdDuplicate[] = "HOST_ID_DUPLICATE";
inline constexpr char kReasonDefaultHasHosts[] = "DEFAULT_POLICY_HAS_HOSTS";
inline constexpr char kReasonRulesInvalid[] = "RULES_INVALID";
inline constexpr char kReasonRuleTierInvalid[] = "RULE_TIER_INVALID";
inline constexpr char kReasonRuleTierOrder[] = "RULE_TIER_ORDER";
inline constexpr char kReasonRuleDurationInvalid[] = "RULE_DURATION_INVALID";
inline constexpr char kReasonRuleDecisionInvalid[] = "RULE_DECISION_INVALID";
inline constexpr char kReasonRuleViewsInvalid[] = "RULE_VIEWS_INVALID";
inline constexpr char kReasonRuleSaleWindowInvalid[] = "RULE_SALE_WINDOW_INVALID";
inline constexpr char kReasonGraceInvalid[] = "UNDECIDED_GRACE_INVALID";
inline constexpr char kReasonMaskRequired[] = "UPDATE_MASK_REQUIRED";
inline constexpr char kReasonMaskInvalid[] = "UPDATE_MASK_INVALID";
inline constexpr char kReasonIdRequired[] = "ID_REQUIRED";
inline constexpr char kReasonVersionRequired[] = "VERSION_REQUIRED";
// Not INVALID_ARGUMENT.
inline constexpr char kReasonPolicyNotFound[] = "POLICY_NOT_FOUND";      // NOT_FOUND
inline constexpr char kReasonNameTaken[] = "POLICY_NAME_TAKEN";          // ALREADY_EXISTS
inline constexpr char kReasonDefaultExists[] = "DEFAULT_POLICY_EXISTS";  // FAILED_PRECONDITION
inline constexpr char kReasonHostAssigned[] = "HOST_ALREADY_ASSIGNED";   // FAILED_PRECONDITION
inline constexpr char kReasonVersionMismatch[] = "VERSION_MISMATCH";     // ABORTED

inline constexpr absl::Duration kDefaultUndecidedGrace = absl::Hours(24 * 7);

// Checks every field Create writes (name, description, is_default, host_ids, rules,
// undecided_grace); fills an unset undecided_grace with the 7-day default.
absl::Status ValidateForCreate(pb::AgingPolicy& policy);
// Checks the mask (required; name, description, host_ids, rules, undecided_grace only) and the
// fields it names; id and version are required.
absl::Status ValidateForUpdate(const google::protobuf::FieldMask& mask, pb::AgingPolicy& policy);

absl::Duration FromProto(const google::protobuf::Duration& d);
void ToProto(absl::Duration d, google::protobuf::Duration* out);
void ToProto(absl::Time t, google::protobuf::Timestamp* out);
absl::Time FromProto(const google::protobuf::Timestamp& t);

// What the evaluator needs of a recording.
struct RecordingFacts {
  std::string id;
  std::string host_id;
  int status = 0;    // RecordingStatus
  int decision = 0;  // RetentionDecision
  int tier = 0;      // StorageTier
  absl::Time ended_at = absl::InfinitePast();
  std::optional<absl::Time> last_played_at;
  int64_t view_count = 0;
  bool legal_hold = false;
};

struct Decision {
  enum class Action { kNone, kMove, kExpire, kDeleteUndecided };
  Action action = Action::kNone;
  int rule_index = -1;
  int from_tier = 0;
  int to_tier = 0;
  absl::Duration sale_window = absl::ZeroDuration();
  // Machine-readable (AgingDecision.reasons).
  std::vector<std::string> reasons;
};

// What `policy` does to `r` at `now`. Pure.
Decision Evaluate(const pb::AgingPolicy& policy, const RecordingFacts& r, absl::Time now);

// When `policy` would next act on `r` if nobody plays it (InfiniteFuture when no rule can
// apply: held, expired, deleted, no rule for its tier). Pure.
absl::Time NextTransitionAt(const pb::AgingPolicy& policy, const RecordingFacts& r);

const char* ActionName(Decision::Action a);

}  // namespace shopcast::recording_lifecycle::policies
