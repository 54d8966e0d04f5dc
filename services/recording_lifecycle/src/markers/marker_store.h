#pragma once

// Markers in the database: written from the peers' events, placed on their recording's
// timeline (placement.h) whenever the segments that cover them are indexed, and reported when
// they cannot be placed. All functions run inside the caller's transaction, which holds the
// stream's lock (sql::kLockStream, LockStream below).

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "markers/marker_events.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "shopcast/db/pool.h"

namespace shopcast::recording_lifecycle::markers {

// Takes the stream's transaction-scoped lock.
void LockStream(pqxx::work& tx, const std::string& stream_id);

struct PlaceStats {
  int64_t placed = 0;   // newly placed or moved
  int64_t waiting = 0;  // still not placeable
};

// Links the stream's markers that arrived before its recording, and fills their host.
void LinkMarkers(pqxx::work& tx, const std::string& recording_id, const std::string& stream_id,
                 const std::string& host_id);

// Places (or moves) the recording's markers whose placement may change since segment
// `from_sequence` was indexed (INT64_MAX: only those not final yet). `last_sequence`: the
// stream's last segment once it ended.
PlaceStats PlaceMarkers(pqxx::work& tx, const std::string& recording_id, int64_t from_sequence,
                        std::optional<int64_t> last_sequence);

struct Orphan {
  std::string marker_id;
  std::string stream_id;
  std::string recording_id;  // '' when the stream has no recording
  std::string kind;
  std::string event_id;
};
struct OrphanReport {
  int64_t count = 0;
  std::vector<Orphan> oldest;  // at most 20
};
// Markers not placed `grace` after they arrived.
absl::StatusOr<OrphanReport> FindOrphans(db::Pool& pool, absl::Duration grace);

class MarkerEvents {
 public:
  // `new_id` makes mom_/mrk_ ids. `metrics` may be null.
  MarkerEvents(std::function<std::string(absl::string_view)> new_id, prometheus::Registry* metrics);

  // Applies what `change` says (a new marker, placed at once if its segments are indexed, or a
  // cancelled sale) in `tx`.
  absl::Status Apply(pqxx::work& tx, const MarkerChange& change);

  // Counts placements made elsewhere (segments indexed, the stream ended).
  void CountPlaced(int64_t n);

 private:
  std::function<std::string(absl::string_view)> new_id_;
  prometheus::Counter* created_ = nullptr;
  prometheus::Counter* cancelled_ = nullptr;
  prometheus::Counter* placed_ = nullptr;
};

}  // namespace shopcast::recording_lifecycle::markers
