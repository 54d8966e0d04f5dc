#include "clips/clip_store.h"

#include <pqxx/pqxx>

#include "clips/clips_sql.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::clips {
namespace {

std::string Str(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

RecordingRow ReadRecording(const pqxx::row& r, int i) {
  RecordingRow out;
  out.id = Str(r[i++]);
  out.stream_id = Str(r[i++]);
  out.host_id = Str(r[i++]);
  out.title = Str(r[i++]);
  out.status = r[i++].as<int>();
  out.decision = r[i++].as<int>();
  out.tier = r[i++].as<int>();
  out.duration_us = r[i++].as<int64_t>();
  out.poster_key = Str(r[i++]);
  out.primary_thumbnail_id = Str(r[i++]);
  out.version = r[i++].as<int64_t>();
  return out;
}

MomentRow ReadMoment(const pqxx::row& r) {
  MomentRow m;
  m.id = Str(r[0]);
  m.recording_id = Str(r[1]);
  m.kind = Str(r[2]);
  m.product_title = Str(r[3]);
  if (!r[4].is_null()) m.media_offset_us = r[4].as<int64_t>();
  m.cancelled = r[5].as<bool>();
  return m;
}

ClipRow ReadClip(const pqxx::row& r) {
  ClipRow c;
  int i = 0;
  c.id = Str(r[i++]);
  c.recording_id = Str(r[i++]);
  c.creator_id = Str(r[i++]);
  c.title = Str(r[i++]);
  c.requested_start_us = r[i++].as<int64_t>();
  c.requested_duration_us = r[i++].as<int64_t>();
  if (!r[i].is_null()) c.start_us = r[i].as<int64_t>();
  ++i;
  if (!r[i].is_null()) c.duration_us = r[i].as<int64_t>();
  ++i;
  c.moment_id = Str(r[i++]);
  c.automatic = r[i++].as<bool>();
  c.status = r[i++].as<int>();
  c.failure_reason = Str(r[i++]);
  c.idempotency_key = Str(r[i++]);
  c.mp4_key = Str(r[i++]);
  c.mp4_sha256 = Str(r[i++]);
  c.mp4_bytes = r[i++].as<int64_t>();
  c.poster_key = Str(r[i++]);
  c.poster_sha256 = Str(r[i++]);
  c.attempts = r[i++].as<int>();
  c.created_us = r[i++].as<int64_t>();
  c.deleted = r[i++].as<bool>();
  c.mp4_tier = r[i++].as<int>();
  return c;
}

ThumbnailRow ReadThumbnail(const pqxx::row& r) {
  ThumbnailRow t;
  t.id = Str(r[0]);
  t.recording_id = Str(r[1]);
  t.kind = Str(r[2]);
  t.moment_id = Str(r[3]);
  t.media_offset_us = r[4].as<int64_t>();
  t.object_key = Str(r[5]);
  t.sha256 = Str(r[6]);
  t.width = r[7].as<int>();
  t.height = r[8].as<int>();
  t.status = r[9].as<int>();
  t.failure_reason = Str(r[10]);
  t.attempts = r[11].as<int>();
  return t;
}

std::string Q(std::string_view s) { return std::string(s); }

}  // namespace

absl::StatusOr<std::optional<RecordingRow>> ClipStore::GetRecording(const std::string& id) {
  return db::InTransaction(pool_,
                           [&](pqxx::work& tx) -> absl::StatusOr<std::optional<RecordingRow>> {
                             pqxx::result r = tx.exec_params(Q(sql::kGetRecording), id);
                             if (r.empty()) return std::optional<RecordingRow>();
                             return std::optional<RecordingRow>(ReadRecording(r[0], 0));
                           });
}

absl::StatusOr<std::optional<MomentRow>> ClipStore::GetMoment(const std::string& id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<MomentRow>> {
    pqxx::result r = tx.exec_params(Q(sql::kGetMoment), id);
    if (r.empty()) return std::optional<MomentRow>();
    return std::optional<MomentRow>(ReadMoment(r[0]));
  });
}

absl::StatusOr<std::vector<SegmentRow>> ClipStore::Segments(const std::string& recording_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<SegmentRow>> {
    std::vector<SegmentRow> out;
    for (const pqxx::row& r : tx.exec_params(Q(sql::kSegments), recording_id)) {
      SegmentRow s;
      s.sequence = r[0].as<int64_t>();
      s.media_offset_us = r[1].as<int64_t>();
      s.duration_us = r[2].as<int64_t>();
      s.discontinuity = r[3].as<bool>();
      s.tier = r[4].as<int>();
      s.object_key = Str(r[5]);
      s.sha256 = Str(r[6]);
      out.push_back(std::move(s));
    }
    return out;
  });
}

absl::StatusOr<CreatedClip> ClipStore::CreateClip(const NewClip& clip, int64_t now_us) {
  const ClipRow& c = clip.row;
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<CreatedClip> {
    // The recording's row lock orders concurrent creates: the count below stays true.
    tx.exec_params(Q(sql::kLockRecording), c.recording_id);
    if (!c.idempotency_key.empty()) {
      pqxx::result found = tx.exec_params(Q(sql::kClipByKey), c.creator_id, c.idempotency_key);
      if (!found.empty()) return CreatedClip{ReadClip(found[0]), true};
    }
    if (clip.limit > 0 && !c.automatic) {
      const int64_t n = tx.exec_params1(Q(sql::kCountManualClips), c.recording_id)[0].as<int64_t>();
      if (n >= clip.limit) {
        return Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_CLIPS",
                     "the recording has as many clips as allowed");
      }
    }
    pqxx::result r =
        tx.exec_params(Q(sql::kInsertClip), c.id, c.recording_id, c.creator_id, c.title,
                       c.requested_start_us, c.requested_duration_us, c.moment_id, c.automatic,
                       c.idempotency_key, c.mp4_key, c.poster_key, now_us);
    if (r.empty()) {
      // A concurrent first call with the same key won (the unique index): take its clip.
      pqxx::result found = tx.exec_params(Q(sql::kClipByKey), c.creator_id, c.idempotency_key);
      if (found.empty()) {
        return Error(absl::StatusCode::kAborted, db::kReasonRetryable, "clip insert raced");
      }
      return CreatedClip{ReadClip(found[0]), true};
    }
    return CreatedClip{ReadClip(r[0]), false};
  });
}

absl::StatusOr<std::optional<ClipRow>> ClipStore::GetClip(const std::string& id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<ClipRow>> {
    pqxx::result r = tx.exec_params(Q(sql::kGetClip), id);
    if (r.empty()) return std::optional<ClipRow>();
    return std::optional<ClipRow>(ReadClip(r[0]));
  });
}

absl::StatusOr<std::vector<ClipRow>> ClipStore::ListClips(const std::string& recording_id,
                                                          std::optional<int64_t> before_created_us,
                                                          const std::string& before_id, int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<ClipRow>> {
    pqxx::result r = before_created_us
                         ? tx.exec_params(Q(sql::kListClipsAfter), recording_id, *before_created_us,
                                          before_id, limit)
                         : tx.exec_params(Q(sql::kListClipsFirst), recording_id, limit);
    std::vector<ClipRow> out;
    for (const pqxx::row& row : r) out.push_back(ReadClip(row));
    return out;
  });
}

absl::StatusOr<std::optional<ClipRow>> ClipStore::DeleteClip(const std::string& id,
                                                             int64_t now_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<ClipRow>> {
    pqxx::result r = tx.exec_params(Q(sql::kGetClip), id);
    if (r.empty()) return std::optional<ClipRow>();
    ClipRow before = ReadClip(r[0]);
    tx.exec_params(Q(sql::kDeleteClip), id, now_us);
    return std::optional<ClipRow>(std::move(before));
  });
}

absl::StatusOr<std::optional<ClipRow>> ClipStore::ClaimClip(const std::string& owner,
                                                            int64_t now_us,
                                                            int64_t lease_until_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<ClipRow>> {
    pqxx::result r = tx.exec_params(Q(sql::kClaimClip), owner, now_us, lease_until_us);
    if (r.empty()) return std::optional<ClipRow>();
    return std::optional<ClipRow>(ReadClip(r[0]));
  });
}

absl::StatusOr<bool> ClipStore::FinishClip(const ClipRow& claimed, const std::string& owner,
                                           int64_t start_us, int64_t duration_us,
                                           const std::string& mp4_sha256, int64_t mp4_bytes,
                                           const std::string& poster_key,
                                           const std::string& poster_sha256, int64_t now_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result r =
        tx.exec_params(Q(sql::kFinishClip), claimed.id, owner, claimed.attempts, start_us,
                       duration_us, mp4_sha256, mp4_bytes, poster_key, poster_sha256, now_us);
    return r.affected_rows() == 1;
  });
}

absl::StatusOr<bool> ClipStore::FailClip(const ClipRow& claimed, const std::string& owner,
                                         const std::string& reason, bool final, int64_t retry_at_us,
                                         int64_t now_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result r = tx.exec_params(Q(sql::kFailClip), claimed.id, owner, claimed.attempts, reason,
                                    final, retry_at_us, now_us);
    return r.affected_rows() == 1;
  });
}

absl::StatusOr<std::vector<ClipStore::AutoCandidate>> ClipStore::AutoClipCandidates(int limit) {
  return db::InTransaction(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<AutoCandidate>> {
        std::vector<AutoCandidate> out;
        for (const pqxx::row& r : tx.exec_params(Q(sql::kAutoClipCandidates), limit)) {
          out.push_back({ReadMoment(r), ReadRecording(r, 6)});
        }
        return out;
      });
}

absl::StatusOr<bool> ClipStore::InsertAutomaticClip(const ClipRow& c, int64_t now_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result r = tx.exec_params(
        Q(sql::kInsertClip), c.id, c.recording_id, c.creator_id, c.title, c.requested_start_us,
        c.requested_duration_us, c.moment_id, true, std::string(), c.mp4_key, c.poster_key, now_us);
    return !r.empty();
  });
}

absl::StatusOr<std::vector<RecordingRow>> ClipStore::PosterCandidates(int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<RecordingRow>> {
    std::vector<RecordingRow> out;
    for (const pqxx::row& r : tx.exec_params(Q(sql::kPosterCandidates), limit)) {
      out.push_back(ReadRecording(r, 0));
    }
    return out;
  });
}

absl::StatusOr<std::vector<ClipStore::AutoCandidate>> ClipStore::MomentThumbnailCandidates(
    int limit) {
  return db::InTransaction(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<AutoCandidate>> {
        std::vector<AutoCandidate> out;
        for (const pqxx::row& r : tx.exec_params(Q(sql::kMomentThumbnailCandidates), limit)) {
          out.push_back({ReadMoment(r), ReadRecording(r, 6)});
        }
        return out;
      });
}

absl::StatusOr<bool> ClipStore::InsertThumbnail(const ThumbnailRow& t, int64_t now_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result r = tx.exec_params(Q(sql::kInsertThumbnail), t.id, t.recording_id, t.kind,
                                    t.moment_id, t.media_offset_us, t.object_key, t.sha256, t.width,
                                    t.height, t.status, now_us);
    return r.affected_rows() == 1;
  });
}

absl::StatusOr<std::optional<ThumbnailRow>> ClipStore::ClaimThumbnail(const std::string& owner,
                                                                      int64_t now_us,
                                                                      int64_t lease_until_us) {
  return db::InTransaction(
      pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::optional<ThumbnailRow>> {
        pqxx::result r = tx.exec_params(Q(sql::kClaimThumbnail), owner, now_us, lease_until_us);
        if (r.empty()) return std::optional<ThumbnailRow>();
        return std::optional<ThumbnailRow>(ReadThumbnail(r[0]));
      });
}

absl::StatusOr<bool> ClipStore::FinishThumbnail(const ThumbnailRow& claimed,
                                                const std::string& owner,
                                                const std::string& object_key,
                                                const std::string& sha256, int width, int height,
                                                int64_t media_offset_us, int64_t now_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result r = tx.exec_params(Q(sql::kFinishThumbnail), claimed.id, owner, claimed.attempts,
                                    object_key, sha256, width, height, media_offset_us, now_us);
    return r.affected_rows() == 1;
  });
}

absl::StatusOr<bool> ClipStore::FailThumbnail(const ThumbnailRow& claimed, const std::string& owner,
                                              const std::string& reason, bool final,
                                              int64_t retry_at_us, int64_t now_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<bool> {
    pqxx::result r = tx.exec_params(Q(sql::kFailThumbnail), claimed.id, owner, claimed.attempts,
                                    reason, final, retry_at_us, now_us);
    return r.affected_rows() == 1;
  });
}

absl::StatusOr<std::optional<ThumbnailRow>> ClipStore::GetThumbnail(const std::string& id) {
  return db::InTransaction(pool_,
                           [&](pqxx::work& tx) -> absl::StatusOr<std::optional<ThumbnailRow>> {
                             pqxx::result r = tx.exec_params(Q(sql::kGetThumbnail), id);
                             if (r.empty()) return std::optional<ThumbnailRow>();
                             return std::optional<ThumbnailRow>(ReadThumbnail(r[0]));
                           });
}

absl::StatusOr<std::vector<ThumbnailRow>> ClipStore::ListThumbnails(
    const std::string& recording_id, std::optional<int64_t> after_offset_us,
    const std::string& after_id, int limit) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<ThumbnailRow>> {
    pqxx::result r = after_offset_us
                         ? tx.exec_params(Q(sql::kListThumbnailsAfter), recording_id,
                                          *after_offset_us, after_id, limit)
                         : tx.exec_params(Q(sql::kListThumbnailsFirst), recording_id, limit);
    std::vector<ThumbnailRow> out;
    for (const pqxx::row& row : r) out.push_back(ReadThumbnail(row));
    return out;
  });
}

absl::Status ClipStore::SetPrimaryThumbnail(const std::string& recording_id,
                                            const std::string& thumbnail_id, int64_t now_us) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(Q(sql::kSetPrimaryThumbnail), recording_id, thumbnail_id, now_us);
    return absl::OkStatus();
  });
}

}  // namespace shopcast::recording_lifecycle::clips
