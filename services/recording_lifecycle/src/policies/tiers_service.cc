#include "policies/tiers_service.h"

#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mover/plan.h"
#include "shopcast/db/transaction.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::policies {
namespace {

constexpr char kPolicyList[] = "aging_policies";

absl::Status RequireAdmin(const auth::Caller& caller) {
  if (caller.role != auth::Role::kAdmin) {
    return PermissionDenied(kReasonAdminRequired, "only an admin may do this");
  }
  return absl::OkStatus();
}

absl::Status RequireRecordingId(const std::string& id) {
  if (id.empty()) return InvalidArgument("recording_id", "ID_REQUIRED", "recording_id is required");
  if (id.size() > 64) {
    return InvalidArgument("recording_id", "ID_INVALID", "recording_id is too long");
  }
  return absl::OkStatus();
}

// The tiers' view of a recording (MoveRecording's answer): the rest of Recording is the core's.
absl::Status ReadRecording(pqxx::work& tx, const std::string& id, pb::Recording* out) {
  pqxx::result r = tx.exec_params(
      "SELECT id, stream_id, host_id, title, status, decision, tier, COALESCE(policy_id, "
      "  (SELECT h.policy_id FROM aging_policy_hosts h WHERE h.host_id = recordings.host_id), "
      "  (SELECT p.id FROM aging_policies p WHERE p.is_default), ''), "
      "  COALESCE((extract(epoch from tier_changed_at) * 1000000)::bigint, -1), segment_count, "
      "  size_bytes, view_count, version "
      "FROM recordings WHERE id = $1",
      id);
  if (r.empty()) return NotFound(mover::kReasonRecordingNotFound, "no such recording");
  out->set_id(r[0][0].as<std::string>());
  out->set_stream_id(r[0][1].as<std::string>());
  out->set_host_id(r[0][2].as<std::string>());
  out->set_title(r[0][3].as<std::string>());
  out->set_status(static_cast<pb::RecordingStatus>(r[0][4].as<int>()));
  out->set_decision(static_cast<pb::RetentionDecision>(r[0][5].as<int>()));
  out->set_tier(static_cast<pb::StorageTier>(r[0][6].as<int>()));
  out->set_policy_id(r[0][7].as<std::string>());
  if (r[0][8].as<int64_t>() >= 0) {
    ToProto(absl::FromUnixMicros(r[0][8].as<int64_t>()), out->mutable_tier_changed_at());
  }
  out->set_segment_count(r[0][9].as<int64_t>());
  out->set_size_bytes(r[0][10].as<int64_t>());
  out->set_view_count(r[0][11].as<int64_t>());
  out->set_version(r[0][12].as<int64_t>());
  mover::ReadTransition(tx, id, out);
  return absl::OkStatus();
}

}  // namespace

TiersService::TiersService(db::Pool& pool, PolicyStore& store, AgingPass& aging,
                           mover::Mover* mover, const pagetoken::Codec& page_tokens,
                           std::vector<std::string> event_destinations)
    : pool_(pool),
      store_(store),
      aging_(aging),
      mover_(mover),
      page_tokens_(page_tokens),
      event_destinations_(std::move(event_destinations)) {}

absl::StatusOr<pb::GetAgingPolicyResponse> TiersService::GetAgingPolicy(
    const auth::Caller& caller, const pb::GetAgingPolicyRequest& r) {
  pb::GetAgingPolicyResponse out;
  switch (r.key_case()) {
    case pb::GetAgingPolicyRequest::kPolicyId: {
      RETURN_IF_ERROR(RequireAdmin(caller));
      if (r.policy_id().empty() || r.policy_id().size() > 64) {
        return InvalidArgument("policy_id", kReasonIdRequired, "policy_id is required");
      }
      ASSIGN_OR_RETURN(*out.mutable_policy(), store_.Get(r.policy_id()));
      return out;
    }
    case pb::GetAgingPolicyRequest::kHostId: {
      if (r.host_id().empty() || r.host_id().size() > 64) {
        return InvalidArgument("host_id", kReasonIdRequired, "host_id is required");
      }
      if (caller.role != auth::Role::kAdmin && caller.user_id != r.host_id()) {
        return PermissionDenied(kReasonNotPolicyHost,
                                "a host may read only the policy of their own recordings");
      }
      ASSIGN_OR_RETURN(*out.mutable_policy(), store_.ForHost(r.host_id()));
      return out;
    }
    default:
      return InvalidArgument("key", kReasonKeyRequired, "policy_id or host_id is required");
  }
}

absl::StatusOr<pb::ListAgingPoliciesResponse> TiersService::ListAgingPolicies(
    const auth::Caller& caller, const pb::ListAgingPoliciesRequest& r) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  int size = r.page().page_size();
  if (size < 0 || size > 100) {
    return InvalidArgument("page.page_size", kReasonPageSizeInvalid, "page_size is 0..100");
  }
  if (size == 0) size = 20;
  std::string after;
  if (!r.page().page_token().empty()) {
    ASSIGN_OR_RETURN(pagetoken::Cursor c, page_tokens_.Decode(kPolicyList, r.page().page_token()));
    after = c.id;
  }
  ASSIGN_OR_RETURN(std::vector<pb::AgingPolicy> page, store_.List(after, size));
  pb::ListAgingPoliciesResponse out;
  for (int i = 0; i < static_cast<int>(page.size()) && i < size; ++i) {
    *out.add_policies() = std::move(page[i]);
  }
  if (static_cast<int>(page.size()) > size) {
    out.mutable_page()->set_next_page_token(
        page_tokens_.Encode(kPolicyList, pagetoken::Cursor{0, out.policies(size - 1).id()}));
  }
  return out;
}

absl::StatusOr<pb::CreateAgingPolicyResponse> TiersService::CreateAgingPolicy(
    const auth::Caller& caller, const pb::CreateAgingPolicyRequest& r) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  pb::AgingPolicy policy = r.policy();
  RETURN_IF_ERROR(ValidateForCreate(policy));
  pb::CreateAgingPolicyResponse out;
  ASSIGN_OR_RETURN(*out.mutable_policy(), store_.Create(policy, aging_.Now()));
  log::Info("aging_policy_created").Kv("policy_id", out.policy().id()).Kv("by", caller.user_id);
  return out;
}

absl::StatusOr<pb::UpdateAgingPolicyResponse> TiersService::UpdateAgingPolicy(
    const auth::Caller& caller, const pb::UpdateAgingPolicyRequest& r) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  pb::AgingPolicy policy = r.policy();
  RETURN_IF_ERROR(ValidateForUpdate(r.update_mask(), policy));
  pb::UpdateAgingPolicyResponse out;
  ASSIGN_OR_RETURN(*out.mutable_policy(), store_.Update(r.update_mask(), policy, aging_.Now()));
  log::Info("aging_policy_updated").Kv("policy_id", policy.id()).Kv("by", caller.user_id);
  return out;
}

absl::StatusOr<pb::MoveRecordingResponse> TiersService::MoveRecording(
    const auth::Caller& caller, const pb::MoveRecordingRequest& r) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  RETURN_IF_ERROR(RequireRecordingId(r.recording_id()));
  if (r.target_tier() != pb::STORAGE_TIER_HOT && r.target_tier() != pb::STORAGE_TIER_WARM &&
      r.target_tier() != pb::STORAGE_TIER_COLD) {
    return InvalidArgument("target_tier", kReasonTierInvalid, "target_tier is HOT, WARM or COLD");
  }
  pb::MoveRecordingResponse out;
  absl::Status written = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    mover::MoveRequest m;
    m.recording_id = r.recording_id();
    m.to_tier = r.target_tier();
    m.origin = "admin";
    m.event_destinations = event_destinations_;
    m.now = aging_.Now();
    RETURN_IF_ERROR(mover::PlanMove(tx, m).status());
    return ReadRecording(tx, r.recording_id(), out.mutable_recording());
  });
  if (!written.ok()) return written;
  if (mover_ != nullptr) mover_->Wake();
  if (view_) {
    // The move is committed whatever this read says: a failed read keeps the short view.
    absl::StatusOr<pb::Recording> full = view_(caller, r.recording_id());
    if (full.ok()) {
      *out.mutable_recording() = *std::move(full);
    } else {
      log::Warn("recording_view_failed")
          .Kv("recording_id", r.recording_id())
          .Kv("status", full.status().ToString());
    }
  }
  log::Info("recording_move_requested")
      .Kv("recording_id", r.recording_id())
      .Kv("to", storage::TierName(r.target_tier()))
      .Kv("by", caller.user_id);
  return out;
}

absl::StatusOr<pb::SetLegalHoldResponse> TiersService::SetLegalHold(
    const auth::Caller& caller, const pb::SetLegalHoldRequest& r) {
  RETURN_IF_ERROR(RequireAdmin(caller));
  RETURN_IF_ERROR(RequireRecordingId(r.recording_id()));
  RETURN_IF_ERROR(db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    pqxx::result rec =
        tx.exec_params("SELECT status FROM recordings WHERE id = $1 FOR UPDATE", r.recording_id());
    if (rec.empty()) return NotFound(mover::kReasonRecordingNotFound, "no such recording");
    if (r.legal_hold()) {
      if (rec[0][0].as<int>() == pb::RECORDING_STATUS_DELETED) {
        return Error(absl::StatusCode::kFailedPrecondition, mover::kReasonRecordingDeleted,
                     "the recording's media is already deleted");
      }
      if (!tx.exec_params("SELECT 1 FROM tier_moves WHERE recording_id = $1 AND origin = 'purge' "
                          "AND state = 'active'",
                          r.recording_id())
               .empty()) {
        return Error(absl::StatusCode::kFailedPrecondition, kReasonPurgeInProgress,
                     "the recording's media is being deleted");
      }
    }
    tx.exec_params("UPDATE recordings SET legal_hold = $2, updated_at = now() WHERE id = $1",
                   r.recording_id(), r.legal_hold());
    return absl::OkStatus();
  }));
  log::Info("recording_legal_hold")
      .Kv("recording_id", r.recording_id())
      .Kv("legal_hold", r.legal_hold())
      .Kv("by", caller.user_id);
  if (!r.legal_hold() && mover_ != nullptr) mover_->Wake();
  pb::SetLegalHoldResponse out;
  out.set_recording_id(r.recording_id());
  out.set_legal_hold(r.legal_hold());
  return out;
}

absl::StatusOr<absl::Time> TiersService::AsOf(bool has, const google::protobuf::Timestamp& as_of) {
  if (!has) return aging_.Now();
  if (!aging_.options().test_clock) {
    return Error(absl::StatusCode::kFailedPrecondition, kReasonTestModeOff,
                 "as_of needs the service's test-clock mode");
  }
  if (as_of.seconds() < 0 || as_of.seconds() > 253402300799 || as_of.nanos() < 0 ||
      as_of.nanos() > 999999999) {
    return InvalidArgument("as_of", "TIMESTAMP_INVALID", "as_of is not a valid time");
  }
  return FromProto(as_of);
}

absl::StatusOr<pb::RunAgingPassResponse> TiersService::RunAgingPass(
    const pb::RunAgingPassRequest& r) {
  if (r.max_moves() < 0 || r.max_moves() > 10000) {
    return InvalidArgument("max_moves", kReasonMaxInvalid, "max_moves is 0..10000");
  }
  ASSIGN_OR_RETURN(absl::Time as_of, AsOf(r.has_as_of(), r.as_of()));
  return aging_.Run(as_of, r.max_moves());
}

absl::StatusOr<pb::DryRunAgingPassResponse> TiersService::DryRunAgingPass(
    const pb::DryRunAgingPassRequest& r) {
  if (r.max_results() < 0 || r.max_results() > 1000) {
    return InvalidArgument("max_results", kReasonMaxInvalid, "max_results is 0..1000");
  }
  ASSIGN_OR_RETURN(absl::Time as_of, AsOf(r.has_as_of(), r.as_of()));
  return aging_.DryRun(as_of, r.max_results());
}

}  // namespace shopcast::recording_lifecycle::policies
