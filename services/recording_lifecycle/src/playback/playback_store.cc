#include "playback/playback_store.h"

#include <pqxx/pqxx>

#include "playback/playback_sql.h"
#include "shopcast/db/transaction.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

db::TxOptions ReadOnly() { return db::TxOptions{}; }

}  // namespace

absl::StatusOr<std::optional<RecordingRow>> PlaybackStore::Recording(const std::string& id) {
  return db::InTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::optional<RecordingRow>> {
        const pqxx::result r = tx.exec_params(sql::kSelectRecording, id);
        if (r.empty()) return std::optional<RecordingRow>();
        RecordingRow row;
        row.id = r[0][0].as<std::string>();
        row.host_id = r[0][1].as<std::string>();
        row.status = static_cast<v1::RecordingStatus>(r[0][2].as<int>());
        row.decision = static_cast<v1::RetentionDecision>(r[0][3].as<int>());
        row.tier = static_cast<v1::StorageTier>(r[0][4].as<int>());
        row.duration_us = r[0][5].as<int64_t>();
        row.poster_key = r[0][6].as<std::string>();
        row.gated = r[0][7].as<bool>();
        return std::optional<RecordingRow>(std::move(row));
      },
      ReadOnly());
}

absl::StatusOr<bool> PlaybackStore::HoldsPass(const std::string& recording_id,
                                              const std::string& viewer_id) {
  return db::InTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<bool> {
        return tx.exec_params1(sql::kHoldsPass, recording_id, viewer_id)[0].as<bool>();
      },
      ReadOnly());
}

absl::StatusOr<std::vector<SegmentRow>> PlaybackStore::Segments(const std::string& recording_id) {
  return db::InTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<SegmentRow>> {
        std::vector<SegmentRow> out;
        for (const auto& row : tx.exec_params(sql::kSelectSegments, recording_id)) {
          SegmentRow s;
          s.segment.sequence = row[0].as<int64_t>();
          s.segment.program_date_time = absl::FromUnixMicros(row[1].as<int64_t>());
          s.segment.duration_us = row[2].as<int64_t>();
          s.segment.discontinuity = row[3].as<bool>();
          s.tier = static_cast<v1::StorageTier>(row[4].as<int>());
          s.object_key = row[5].as<std::string>();
          s.size_bytes = row[6].as<int64_t>();
          s.sha256 = row[7].as<std::string>();
          out.push_back(std::move(s));
        }
        return out;
      },
      ReadOnly());
}

absl::StatusOr<std::optional<SegmentRow>> PlaybackStore::Segment(const std::string& recording_id,
                                                                 int64_t sequence) {
  return db::InTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::optional<SegmentRow>> {
        const pqxx::result r = tx.exec_params(sql::kSelectSegment, recording_id, sequence);
        if (r.empty()) return std::optional<SegmentRow>();
        SegmentRow s;
        s.segment.sequence = sequence;
        s.tier = static_cast<v1::StorageTier>(r[0][0].as<int>());
        s.object_key = r[0][1].as<std::string>();
        s.size_bytes = r[0][2].as<int64_t>();
        s.sha256 = r[0][3].as<std::string>();
        return std::optional<SegmentRow>(std::move(s));
      },
      ReadOnly());
}

absl::StatusOr<std::vector<PlaylistMarker>> PlaybackStore::Markers(
    const std::string& recording_id) {
  return db::InTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<PlaylistMarker>> {
        std::vector<PlaylistMarker> out;
        for (const auto& row : tx.exec_params(sql::kSelectMarkers, recording_id)) {
          const auto kind = ParseMarkerKind(row[1].as<std::string>());
          if (!kind) continue;  // the schema's CHECK makes this impossible
          PlaylistMarker m;
          m.id = row[0].as<std::string>();
          m.kind = *kind;
          m.media_offset_us = row[2].as<int64_t>();
          m.product_id = row[3].as<std::string>();
          m.order_id = row[4].as<std::string>();
          m.product_title = row[5].as<std::string>();
          m.auction_id = row[6].as<std::string>();
          m.result = row[7].as<std::string>();
          m.quantity = row[8].as<int32_t>();
          m.amount_minor = row[9].as<int64_t>();
          m.currency = row[10].as<std::string>();
          m.cancelled = row[11].as<bool>();
          out.push_back(std::move(m));
        }
        return out;
      },
      ReadOnly());
}

absl::StatusOr<std::optional<MomentRow>> PlaybackStore::Moment(const std::string& moment_id,
                                                               const std::string& recording_id) {
  return db::InTransaction(
      pool_,
      [&](pqxx::work& tx) -> absl::StatusOr<std::optional<MomentRow>> {
        const pqxx::result r = tx.exec_params(sql::kSelectMoment, moment_id, recording_id);
        if (r.empty()) return std::optional<MomentRow>();
        MomentRow m;
        if (!r[0][0].is_null()) m.media_offset_us = r[0][0].as<int64_t>();
        m.cancelled = r[0][1].as<bool>();
        return std::optional<MomentRow>(m);
      },
      ReadOnly());
}

absl::Status PlaybackStore::CountView(const std::string& recording_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_params0(sql::kCountView, recording_id);
    return absl::OkStatus();
  });
}

}  // namespace shopcast::recording_lifecycle::playback
