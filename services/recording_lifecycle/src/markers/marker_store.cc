#include "markers/marker_store.h"

#include <limits>
#include <pqxx/pqxx>

#include "markers/markers_sql.h"
#include "markers/placement.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::markers {

void LockStream(pqxx::work& tx, const std::string& stream_id) {
  tx.exec_params(sql::kLockStream, stream_id);
}

void LinkMarkers(pqxx::work& tx, const std::string& recording_id, const std::string& stream_id,
                 const std::string& host_id) {
  tx.exec_params0(sql::kLinkMarkers, recording_id, stream_id, host_id);
  if (!host_id.empty()) tx.exec_params0(sql::kFillMarkerHost, recording_id, host_id);
}

PlaceStats PlaceMarkers(pqxx::work& tx, const std::string& recording_id, int64_t from_sequence,
                        std::optional<int64_t> last_sequence) {
  PlaceStats stats;
  const pqxx::result candidates =
      tx.exec_params(sql::kPlacementCandidates, recording_id, from_sequence);
  if (candidates.empty()) return stats;
  std::vector<SegmentSpan> spans;
  for (const pqxx::row& r : tx.exec_params(sql::kTimelineSegments, recording_id)) {
    spans.push_back({r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>()});
  }
  const Timeline timeline(std::move(spans), last_sequence);
  for (const pqxx::row& r : candidates) {
    const std::optional<Placement> at = timeline.Place(r[1].as<int64_t>());
    if (!at) {
      ++stats.waiting;
      continue;
    }
    const bool same = !r[2].is_null() && r[2].as<int64_t>() == at->media_offset_us &&
                      !r[3].is_null() && r[3].as<int64_t>() == at->sequence &&
                      r[4].as<bool>() == at->clamped;
    if (same) continue;
    tx.exec_params0(sql::kPlaceMarker, r[0].as<std::string>(), at->media_offset_us, at->sequence,
                    at->clamped);
    ++stats.placed;
  }
  return stats;
}

absl::StatusOr<OrphanReport> FindOrphans(db::Pool& pool, absl::Duration grace) {
  const int64_t seconds = absl::ToInt64Seconds(grace);
  return db::InTransaction(pool, [&](pqxx::work& tx) -> absl::StatusOr<OrphanReport> {
    OrphanReport report;
    report.count = tx.exec_params1(sql::kOrphanCount, seconds)[0].as<int64_t>();
    if (report.count > 0) {
      for (const pqxx::row& r : tx.exec_params(sql::kOrphanSample, seconds)) {
        report.oldest.push_back({r[0].as<std::string>(), r[1].as<std::string>(),
                                 r[2].as<std::string>(), r[3].as<std::string>(),
                                 r[4].as<std::string>()});
      }
    }
    return report;
  });
}

MarkerEvents::MarkerEvents(std::function<std::string(absl::string_view)> new_id,
                           prometheus::Registry* metrics)
    : new_id_(std::move(new_id)) {
  if (metrics != nullptr) {
    auto& markers = prometheus::BuildCounter()
                        .Name("recording_lifecycle_markers_total")
                        .Help("Markers recorded from peers' events, and sales cancelled")
                        .Register(*metrics);
    created_ = &markers.Add({{"outcome", "created"}});
    cancelled_ = &markers.Add({{"outcome", "cancelled"}});
    placed_ = &prometheus::BuildCounter()
                   .Name("recording_lifecycle_markers_placed_total")
                   .Help("Markers placed (or moved) on their recording's media timeline")
                   .Register(*metrics)
                   .Add({});
  }
}

void MarkerEvents::CountPlaced(int64_t n) {
  if (placed_ != nullptr && n > 0) placed_->Increment(static_cast<double>(n));
}

absl::Status MarkerEvents::Apply(pqxx::work& tx, const MarkerChange& change) {
  if (change.cancel) {
    const pqxx::result r =
        tx.exec_params(sql::kCancelSale, change.cancel->order_id, change.cancel->product_id);
    if (cancelled_ != nullptr && r.affected_rows() > 0) {
      cancelled_->Increment(static_cast<double>(r.affected_rows()));
    }
  }
  if (!change.marker) return absl::OkStatus();
  const NewMarker& m = *change.marker;
  LockStream(tx, m.stream_id);
  const std::string id = new_id_(IsSaleKind(m.kind) ? "mom" : "mrk");
  const pqxx::result inserted =
      tx.exec_params(sql::kInsertMarker, id, m.event_id, m.stream_id, m.kind, m.occurred_us,
                     m.order_id, m.product_id, m.product_title, m.auction_id, m.result, m.quantity,
                     m.amount_minor, m.currency, m.host_id);
  if (inserted.empty()) return absl::OkStatus();  // this event's marker exists
  if (created_ != nullptr) created_->Increment();
  if (inserted[0][0].is_null()) return absl::OkStatus();  // no recording yet: placed later
  const std::string recording_id = inserted[0][0].as<std::string>();
  const pqxx::row rec = tx.exec_params1(sql::kExpectedSegments, recording_id);
  std::optional<int64_t> last;
  if (!rec[0].is_null() && rec[0].as<int64_t>() > 0) last = rec[0].as<int64_t>() - 1;
  CountPlaced(PlaceMarkers(tx, recording_id, std::numeric_limits<int64_t>::max(), last).placed);
  return absl::OkStatus();
}

}  // namespace shopcast::recording_lifecycle::markers
