#include "mover/plan.h"

#include <pqxx/pqxx>

#include "mover/mover_sql.h"
#include "shopcast/events/outbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"
#include "shopcast/status/status.h"
#include "storage/tier_set.h"

namespace shopcast::recording_lifecycle::mover {
namespace {

namespace pb = ::shopcast::recording_lifecycle::v1;
using storage::kTierExpired;

absl::Status Precondition(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kFailedPrecondition, reason, message);
}

}  // namespace

int64_t EpochMicros(absl::Time t) { return absl::ToUnixMicros(t); }

void ReadTransition(pqxx::work& tx, const std::string& recording_id, pb::Recording* out) {
  pqxx::result m = tx.exec_params(sql::kTransition, recording_id);
  if (m.empty()) return;
  pb::TierTransition* t = out->mutable_transition();
  t->set_from_tier(static_cast<pb::StorageTier>(m[0][0].as<int>()));
  t->set_to_tier(static_cast<pb::StorageTier>(m[0][1].as<int>()));
  const int64_t started = m[0][2].as<int64_t>();
  t->mutable_started_at()->set_seconds(started / 1000000);
  t->mutable_started_at()->set_nanos(static_cast<int32_t>(started % 1000000) * 1000);
  t->set_segments_total(m[0][3].as<int64_t>());
  t->set_segments_done(m[0][4].as<int64_t>());
  t->set_attempts(m[0][5].as<int>());
  t->set_last_error(m[0][6].as<std::string>());
  t->set_phase(m[0][7].is_null() ? pb::TRANSITION_PHASE_DELETING_SOURCE
                                 : static_cast<pb::TransitionPhase>(m[0][7].as<int>()));
}

void EnqueueTierChanged(pqxx::work& tx, const std::string& recording_id, int from_tier, int to_tier,
                        absl::Time at, const std::vector<std::string>& destinations) {
  if (destinations.empty()) return;
  pb::RecordingTierChanged payload;
  payload.set_recording_id(recording_id);
  payload.set_from_tier(static_cast<pb::StorageTier>(from_tier));
  payload.set_to_tier(static_cast<pb::StorageTier>(to_tier));
  payload.mutable_changed_at()->set_seconds(absl::ToUnixSeconds(at));
  payload.mutable_changed_at()->set_nanos(
      static_cast<int32_t>((absl::ToUnixNanos(at) % 1000000000 + 1000000000) % 1000000000));
  events::Enqueue(
      tx, events::OutgoingEvent{"recording_lifecycle", "recording_lifecycle.recording_tier_changed",
                                recording_id, destinations, &payload});
}

absl::StatusOr<PlannedMove> PlanMove(pqxx::work& tx, const MoveRequest& request) {
  if (request.to_tier < storage::kTierHot || request.to_tier > kTierExpired) {
    return InvalidArgument("target_tier", "TIER_INVALID", "target tier must be HOT, WARM or COLD");
  }
  pqxx::result rec = tx.exec_params(sql::kLockRecording, request.recording_id);
  if (rec.empty()) return NotFound(kReasonRecordingNotFound, "no such recording");
  const int status = rec[0]["status"].as<int>();
  const int tier = rec[0]["tier"].as<int>();
  if (status == pb::RECORDING_STATUS_DELETING || status == pb::RECORDING_STATUS_DELETED) {
    return Precondition(kReasonRecordingDeleted, "the recording is deleted");
  }
  if (tier == kTierExpired) {
    return Precondition(kReasonRecordingExpired, "the recording's media has expired");
  }
  if (status != pb::RECORDING_STATUS_READY) {
    return Precondition(kReasonNotReady, "the recording is not finished yet");
  }
  if (rec[0]["legal_hold"].as<bool>()) {
    return Precondition(kReasonLegalHold, "the recording is under legal hold");
  }
  if (!tx.exec_params(sql::kOpenMove, request.recording_id).empty()) {
    return Precondition(kReasonTransitionInProgress, "a move of this recording is running");
  }
  if (request.assets_only && request.to_tier != tier) {
    return Precondition("TIER_ORDER", "a catch-up goes to the recording's own tier");
  }
  if (!request.assets_only && tier == request.to_tier) {
    return Precondition(kReasonAlreadyInTier, "the recording is already in that tier");
  }
  if (request.forward_only && request.to_tier < tier) {
    return Precondition("TIER_ORDER", "policy moves only go to a later tier");
  }

  PlannedMove planned;
  planned.move_id = ids::NewId("mov");
  planned.from_tier = tier;
  planned.to_tier = request.to_tier;
  const int64_t window_us =
      request.to_tier == kTierExpired ? 0 : absl::ToInt64Microseconds(request.sale_window);

  struct Obj {
    std::string key, kind, sha256;
    int64_t sequence, size;
    int src;
    std::string asset_id;
  };
  std::vector<Obj> objects;
  if (!request.assets_only) {
    for (const auto& row :
         tx.exec_params(sql::kSegmentsToMove, request.recording_id, request.to_tier, window_us)) {
      if (row["kept"].as<bool>()) {
        ++planned.kept;
        continue;
      }
      objects.push_back(Obj{row["object_key"].as<std::string>(), "segment",
                            row["sha256"].as<std::string>(), row["sequence"].as<int64_t>(),
                            row["size_bytes"].as<int64_t>(), row["tier"].as<int>(), ""});
    }
    const std::string poster_key = rec[0]["poster_key"].as<std::string>();
    const int poster_tier = rec[0]["poster_tier"].as<int>();
    if (!poster_key.empty() && poster_tier != request.to_tier && poster_tier != kTierExpired) {
      // The poster carries no recorded checksum: the mover takes the source's at copy time.
      objects.push_back(Obj{poster_key, "poster", "", -1, 0, poster_tier, ""});
    }
  }
  // Clips and thumbnails go with the recording (a sale window keeps segments, not these: they
  // are served whole from any tier). Their checksums are the clip worker's.
  for (const auto& row :
       tx.exec_params(sql::kAssetsToMove, request.recording_id, request.to_tier)) {
    objects.push_back(Obj{row["object_key"].as<std::string>(), row["kind"].as<std::string>(),
                          row["sha256"].as<std::string>(), -1, row["size_bytes"].as<int64_t>(),
                          row["tier"].as<int>(), row["asset_id"].as<std::string>()});
  }
  if (request.assets_only && objects.empty()) {
    return Precondition(kReasonNothingToMove, "every clip and thumbnail is there already");
  }
  planned.objects = static_cast<int64_t>(objects.size());

  tx.exec_params0(sql::kInsertMove, planned.move_id, request.recording_id, tier, request.to_tier,
                  request.origin, request.policy_id, request.rule_index, planned.objects);
  for (const Obj& o : objects) {
    tx.exec_params0(sql::kInsertObject, planned.move_id, o.key, request.recording_id, o.kind,
                    o.sequence, o.sha256, o.size, o.src, request.to_tier, o.asset_id);
  }
  if (objects.empty()) {
    // Nothing to carry (everything already there, or kept by a sale window): switch now.
    tx.exec_params0(sql::kFinishMove, planned.move_id);
    tx.exec_params(sql::kSetRecordingTier, request.recording_id, request.to_tier,
                   EpochMicros(request.now));
    EnqueueTierChanged(tx, request.recording_id, tier, request.to_tier, request.now,
                       request.event_destinations);
    planned.finished = true;
  }
  return planned;
}

}  // namespace shopcast::recording_lifecycle::mover
