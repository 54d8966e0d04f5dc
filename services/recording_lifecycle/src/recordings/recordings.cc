#include "recordings/recordings.h"

#include <pqxx/pqxx>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mover/plan.h"
#include "recordings/recordings_sql.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::recordings {
namespace {

constexpr int kDeleting = 4, kDeleted = 5, kRecordingStatus = 1;

absl::Status NotFound() { return shopcast::NotFound("RECORDING_NOT_FOUND", "no such recording"); }

struct Loaded {
  v1::Recording recording;
  bool legal_hold = false;
};

void OptionalTime(const pqxx::field& f, google::protobuf::Timestamp* out) {
  if (!f.is_null()) TimestampOfMicros(f.as<int64_t>(), out);
}

Loaded RecordingOf(const pqxx::row& r, const ThumbnailUrl& thumbnail_url) {
  Loaded out;
  v1::Recording& p = out.recording;
  int i = 0;
  p.set_id(r[i++].as<std::string>());
  p.set_stream_id(r[i++].as<std::string>());
  p.set_host_id(r[i++].as<std::string>());
  p.set_title(r[i++].as<std::string>());
  p.set_description(r[i++].as<std::string>());
  p.set_status(static_cast<v1::RecordingStatus>(r[i++].as<int>()));
  p.set_decision(static_cast<v1::RetentionDecision>(r[i++].as<int>()));
  p.set_tier(static_cast<v1::StorageTier>(r[i++].as<int>()));
  OptionalTime(r[i++], p.mutable_started_at());
  OptionalTime(r[i++], p.mutable_ended_at());
  DurationOfMicros(r[i++].as<int64_t>(), p.mutable_duration());
  p.set_segment_count(r[i++].as<int64_t>());
  p.set_size_bytes(r[i++].as<int64_t>());
  p.set_policy_id(r[i++].as<std::string>());
  OptionalTime(r[i++], p.mutable_tier_changed_at());
  p.set_view_count(r[i++].as<int64_t>());
  OptionalTime(r[i++], p.mutable_last_played_at());
  OptionalTime(r[i++], p.mutable_created_at());
  OptionalTime(r[i++], p.mutable_decided_at());
  p.set_version(r[i++].as<int64_t>());
  p.set_moment_count(r[i++].as<int64_t>());
  out.legal_hold = r[i++].as<bool>();
  const std::string thumbnail_key = r[i++].as<std::string>();
  if (thumbnail_url && !thumbnail_key.empty()) {
    p.set_thumbnail_url(thumbnail_url(p.id(), thumbnail_key));
  }
  p.set_gated(r[i++].as<bool>());
  // Unset timestamps stay unset.
  if (r[8].is_null()) p.clear_started_at();
  if (r[9].is_null()) p.clear_ended_at();
  if (r[14].is_null()) p.clear_tier_changed_at();
  if (r[16].is_null()) p.clear_last_played_at();
  if (r[18].is_null()) p.clear_decided_at();
  return out;
}

void MomentOf(const pqxx::row& r, v1::Moment* m) {
  int i = 0;
  m->set_id(r[i++].as<std::string>());
  m->set_recording_id(r[i++].as<std::string>());
  const std::string kind = r[i++].as<std::string>();
  m->set_kind(kind == "auction_sale" ? v1::MOMENT_KIND_AUCTION_SALE : v1::MOMENT_KIND_SALE);
  m->set_order_id(r[i++].as<std::string>());
  m->set_product_id(r[i++].as<std::string>());
  m->set_product_title(r[i++].as<std::string>());
  m->set_quantity(r[i++].as<int32_t>());
  const int64_t amount = r[i++].as<int64_t>();
  const std::string currency = r[i++].as<std::string>();
  if (!currency.empty()) {
    m->mutable_amount()->set_amount_minor(amount);
    m->mutable_amount()->set_currency(currency);
  }
  TimestampOfMicros(r[i++].as<int64_t>(), m->mutable_occurred_at());
  DurationOfMicros(r[i++].as<int64_t>(), m->mutable_media_offset());
  m->set_cancelled(r[i++].as<bool>());
}

// The decisions a list shows: the request's, else SAVE (and UNDECIDED for the host/admin).
absl::StatusOr<std::vector<int>> DecisionsOf(const v1::ListRecordingsRequest& request, bool owner) {
  std::vector<int> out(request.decisions().begin(), request.decisions().end());
  if (out.empty()) {
    out.push_back(v1::RETENTION_DECISION_SAVE);
    if (owner) out.push_back(v1::RETENTION_DECISION_UNDECIDED);
  }
  if (!owner) {
    for (int d : out) {
      if (d != v1::RETENTION_DECISION_SAVE) {
        return Error(absl::StatusCode::kPermissionDenied, "NOT_RECORDING_OWNER",
                     "only the host or an admin may list recordings not saved", "decisions");
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<int> TiersOf(const v1::ListRecordingsRequest& request) {
  std::vector<int> out(request.tiers().begin(), request.tiers().end());
  if (out.empty()) out = {v1::STORAGE_TIER_HOT, v1::STORAGE_TIER_WARM, v1::STORAGE_TIER_COLD};
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Recordings::Recordings(db::Pool& pool, const pagetoken::Codec& page_tokens,
                       ThumbnailUrl thumbnail_url, std::function<void()> deleting,
                       RecordingDecorator decorate, TierProviderNames providers)
    : pool_(pool),
      page_tokens_(page_tokens),
      thumbnail_url_(std::move(thumbnail_url)),
      deleting_(std::move(deleting)),
      decorate_(std::move(decorate)),
      providers_(std::move(providers)) {}

absl::Status Recordings::GetRecording(const Viewer& viewer, const v1::GetRecordingRequest& request,
                                      v1::GetRecordingResponse* response) {
  RETURN_IF_ERROR(CheckGetRecording(request));
  bool legal_hold = false;
  absl::Status read = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    const pqxx::result r = request.key_case() == v1::GetRecordingRequest::kRecordingId
                               ? tx.exec_params(sql::kRecordingById, request.recording_id())
                               : tx.exec_params(sql::kRecordingByStream, request.stream_id());
    if (r.empty()) return NotFound();
    Loaded loaded = RecordingOf(r[0], thumbnail_url_);
    if (!MaySee(viewer, loaded.recording.host_id(), loaded.recording.decision())) {
      return NotFound();
    }
    // Set while a move of its media runs (the tiers area's mover).
    mover::ReadTransition(tx, loaded.recording.id(), &loaded.recording);
    // Where the media is: the contract's admin-only part.
    if (IsAdmin(viewer)) ReadLocations(tx, providers_, &loaded.recording);
    legal_hold = loaded.legal_hold;
    *response->mutable_recording() = std::move(loaded.recording);
    return absl::OkStatus();
  });
  if (read.ok() && decorate_) decorate_(response->mutable_recording(), legal_hold);
  return read;
}

absl::Status Recordings::ListRecordings(const Viewer& viewer,
                                        const v1::ListRecordingsRequest& request,
                                        v1::ListRecordingsResponse* response) {
  RETURN_IF_ERROR(CheckListRecordings(request));
  ASSIGN_OR_RETURN(const int page_size, PageSizeOf(request.page()));
  std::string host = request.host_id();
  if (host.empty()) {
    if (!viewer) return Unauthenticated("TOKEN_MISSING", "sign in, or name a host_id");
    host = viewer->user_id;
  }
  const bool owner = IsAdmin(viewer) || (viewer && viewer->user_id == host);
  ASSIGN_OR_RETURN(const std::vector<int> decisions, DecisionsOf(request, owner));
  const std::vector<int> tiers = TiersOf(request);
  const std::string list = absl::StrCat("recordings;", host, ";", absl::StrJoin(decisions, ","),
                                        ";", absl::StrJoin(tiers, ","));
  std::optional<int64_t> after_key;
  std::string after_id;
  if (!request.page().page_token().empty()) {
    ASSIGN_OR_RETURN(pagetoken::Cursor cursor,
                     page_tokens_.Decode(list, request.page().page_token()));
    after_key = cursor.key;
    after_id = cursor.id;
  }
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    response->Clear();
    const pqxx::result rows =
        tx.exec_params(sql::kListRecordings, host, db::IntArray(decisions), db::IntArray(tiers),
                       after_key, after_id, page_size + 1);
    for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
      *response->add_recordings() = RecordingOf(rows[i], thumbnail_url_).recording;
    }
    if (static_cast<int>(rows.size()) > page_size) {
      const v1::Recording& last = response->recordings(page_size - 1);
      const int64_t key =
          last.created_at().seconds() * 1'000'000 + last.created_at().nanos() / 1000;
      response->mutable_page()->set_next_page_token(
          page_tokens_.Encode(list, pagetoken::Cursor{key, last.id()}));
    }
    return absl::OkStatus();
  });
}

absl::Status Recordings::ListMoments(const Viewer& viewer, const v1::ListMomentsRequest& request,
                                     v1::ListMomentsResponse* response) {
  RETURN_IF_ERROR(CheckListMoments(request));
  ASSIGN_OR_RETURN(const int page_size, PageSizeOf(request.page()));
  const bool by_recording = !request.recording_id().empty();
  const std::string caller = viewer ? viewer->user_id : "";
  std::string list;
  if (by_recording) {
    list = absl::StrCat("moments;rec;", request.recording_id(), ";", request.include_cancelled());
  } else {
    list = absl::StrCat("moments;", request.product_id().empty() ? "host;" : "product;",
                        request.product_id(), request.host_id(), ";", request.include_cancelled(),
                        ";", caller);
  }
  std::optional<int64_t> after_key;
  std::string after_id;
  if (!request.page().page_token().empty()) {
    ASSIGN_OR_RETURN(pagetoken::Cursor cursor,
                     page_tokens_.Decode(list, request.page().page_token()));
    after_key = cursor.key;
    after_id = cursor.id;
  }
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    response->Clear();
    pqxx::result rows;
    if (by_recording) {
      const pqxx::result r = tx.exec_params(sql::kRecordingById, request.recording_id());
      if (r.empty()) return NotFound();
      const Loaded loaded = RecordingOf(r[0], thumbnail_url_);
      if (!MaySee(viewer, loaded.recording.host_id(), loaded.recording.decision())) {
        return NotFound();
      }
      rows = tx.exec_params(sql::kMomentsOfRecording, request.recording_id(),
                            request.include_cancelled(), after_key, after_id, page_size + 1);
    } else {
      rows = tx.exec_params(
          request.product_id().empty() ? sql::kMomentsOfHost : sql::kMomentsOfProduct,
          request.product_id().empty() ? request.host_id() : request.product_id(),
          request.include_cancelled(), after_key, after_id, page_size + 1, caller, IsAdmin(viewer));
    }
    for (int i = 0; i < static_cast<int>(rows.size()) && i < page_size; ++i) {
      MomentOf(rows[i], response->add_moments());
    }
    if (static_cast<int>(rows.size()) > page_size) {
      const v1::Moment& last = response->moments(page_size - 1);
      const google::protobuf::Timestamp& at = last.occurred_at();
      const google::protobuf::Duration& off = last.media_offset();
      const int64_t key = by_recording ? off.seconds() * 1'000'000 + off.nanos() / 1000
                                       : at.seconds() * 1'000'000 + at.nanos() / 1000;
      response->mutable_page()->set_next_page_token(
          page_tokens_.Encode(list, pagetoken::Cursor{key, last.id()}));
    }
    return absl::OkStatus();
  });
}

absl::Status Recordings::SaveOrDelete(const auth::Caller& caller,
                                      const v1::SaveOrDeleteRequest& request,
                                      v1::SaveOrDeleteResponse* response) {
  RETURN_IF_ERROR(CheckSaveOrDelete(request));
  const Viewer viewer = caller;
  bool now_deleting = false;
  absl::Status done = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    now_deleting = false;
    const pqxx::result r = tx.exec_params(sql::kRecordingByIdForUpdate, request.recording_id());
    if (r.empty()) return NotFound();
    Loaded loaded = RecordingOf(r[0], thumbnail_url_);
    v1::Recording& rec = loaded.recording;
    if (!MaySee(viewer, rec.host_id(), rec.decision())) return NotFound();
    if (caller.user_id != rec.host_id()) {
      return PermissionDenied("NOT_RECORDING_OWNER", "only the recording's host may decide");
    }
    const int wanted = request.decision();
    const int status = rec.status();
    if (rec.decision() == wanted) {
      *response->mutable_recording() = std::move(rec);  // idempotent
      return absl::OkStatus();
    }
    if (wanted == v1::RETENTION_DECISION_SAVE && (rec.decision() == v1::RETENTION_DECISION_DELETE ||
                                                  status == kDeleting || status == kDeleted)) {
      return Error(absl::StatusCode::kFailedPrecondition, "RECORDING_DELETED",
                   "the recording was deleted; it cannot be saved");
    }
    if (wanted == v1::RETENTION_DECISION_DELETE && loaded.legal_hold) {
      return Error(absl::StatusCode::kFailedPrecondition, "LEGAL_HOLD",
                   "the recording is under a legal hold");
    }
    int new_status = status;
    if (wanted == v1::RETENTION_DECISION_DELETE && status != kRecordingStatus &&
        status != kDeleted) {
      new_status = kDeleting;
    }
    tx.exec_params0(sql::kDecide, rec.id(), wanted, new_status);
    now_deleting = new_status == kDeleting && status != kDeleting;
    const pqxx::row after = tx.exec_params1(sql::kRecordingById, rec.id());
    *response->mutable_recording() = RecordingOf(after, thumbnail_url_).recording;
    return absl::OkStatus();
  });
  // Committed: the purge need not wait for its next round.
  if (done.ok() && now_deleting && deleting_) deleting_();
  return done;
}

absl::Status Recordings::UpdateRecording(const auth::Caller& caller,
                                         const v1::UpdateRecordingRequest& request,
                                         v1::UpdateRecordingResponse* response) {
  RETURN_IF_ERROR(CheckUpdateRecording(request));
  const Viewer viewer = caller;
  const v1::Recording& wanted = request.recording();
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    const pqxx::result r = tx.exec_params(sql::kRecordingByIdForUpdate, wanted.id());
    if (r.empty()) return NotFound();
    Loaded loaded = RecordingOf(r[0], thumbnail_url_);
    v1::Recording& rec = loaded.recording;
    if (!MaySee(viewer, rec.host_id(), rec.decision())) return NotFound();
    if (caller.user_id != rec.host_id()) {
      return PermissionDenied("NOT_RECORDING_OWNER", "only the recording's host may change it");
    }
    if (rec.version() != wanted.version()) {
      return Error(absl::StatusCode::kAborted, "VERSION_MISMATCH",
                   "the recording changed since you read it; read it again", "recording.version");
    }
    std::string title = rec.title();
    std::string description = rec.description();
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "title") title = wanted.title();
      if (path == "description") description = wanted.description();
    }
    tx.exec_params0(sql::kUpdateText, rec.id(), title, description);
    const pqxx::row after = tx.exec_params1(sql::kRecordingById, rec.id());
    *response->mutable_recording() = RecordingOf(after, thumbnail_url_).recording;
    return absl::OkStatus();
  });
}

}  // namespace shopcast::recording_lifecycle::recordings
