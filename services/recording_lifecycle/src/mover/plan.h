#pragma once

// Planning a move: the durable record (tier_moves + one tier_move_objects row per segment, the
// poster, and each clip's MP4 and poster and moment thumbnail: they age with their recording)
// the mover then carries out. Called inside the caller's transaction, so a move is
// planned together with whatever decided it (an aging pass, MoveRecording).

#include <cstdint>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"

namespace shopcast::recording_lifecycle::mover {

// Reasons.
inline constexpr char kReasonRecordingNotFound[] = "RECORDING_NOT_FOUND";
inline constexpr char kReasonTransitionInProgress[] = "TRANSITION_IN_PROGRESS";
inline constexpr char kReasonRecordingDeleted[] = "RECORDING_DELETED";
inline constexpr char kReasonRecordingExpired[] = "RECORDING_EXPIRED";
inline constexpr char kReasonAlreadyInTier[] = "ALREADY_IN_TIER";
inline constexpr char kReasonLegalHold[] = "LEGAL_HOLD";
inline constexpr char kReasonNotReady[] = "RECORDING_NOT_READY";
inline constexpr char kReasonNothingToMove[] = "NOTHING_TO_MOVE";

struct MoveRequest {
  std::string recording_id;
  // 1..4 (4 = EXPIRED: the media is deleted, metadata and markers kept).
  int to_tier = 0;
  // "policy" or "admin".
  std::string origin = "admin";
  std::string policy_id;
  int rule_index = -1;
  // Segments within +/- this of a sale moment stay where they are (policy rules only).
  absl::Duration sale_window = absl::ZeroDuration();
  // Policy moves only go forward (to a later tier than the recording's); admin moves any way.
  bool forward_only = false;
  // A catch-up: only the clips and thumbnails not in to_tier yet (made after the recording
  // moved there), to the tier the recording is in (to_tier = its tier). The recording's tier
  // does not change and no tier_changed event is sent. FAILED_PRECONDITION/NOTHING_TO_MOVE
  // when every asset is there already.
  bool assets_only = false;
  // Where the outbox events go when the move finishes at once (nothing to carry).
  std::vector<std::string> event_destinations;
  // The wall clock now (tier_changed_at when nothing needs carrying).
  absl::Time now;
};

struct PlannedMove {
  std::string move_id;
  int from_tier = 0;
  int to_tier = 0;
  int64_t objects = 0;
  // Segments a sale window kept in place.
  int64_t kept = 0;
  // Nothing to carry: the recording's tier was switched at once (event enqueued).
  bool finished = false;
};

// Locks the recording, checks it may move (READY, not on hold, no open move, not EXPIRED, not
// already in to_tier), and records the move and its objects. FAILED_PRECONDITION with the
// reasons above, NOT_FOUND/RECORDING_NOT_FOUND.
absl::StatusOr<PlannedMove> PlanMove(pqxx::work& tx, const MoveRequest& request);

// Enqueues recording_lifecycle.recording_tier_changed for `recording_id` in `tx`.
void EnqueueTierChanged(pqxx::work& tx, const std::string& recording_id, int from_tier, int to_tier,
                        absl::Time at, const std::vector<std::string>& destinations);

// Recording.transition: the recording's open move (not a purge), if any, into `out`.
void ReadTransition(pqxx::work& tx, const std::string& recording_id,
                    ::shopcast::recording_lifecycle::v1::Recording* out);

// Epoch microseconds, for the SQL's timestamps.
int64_t EpochMicros(absl::Time t);

}  // namespace shopcast::recording_lifecycle::mover
