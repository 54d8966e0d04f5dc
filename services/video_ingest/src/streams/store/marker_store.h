#pragma once

// Stream markers in PostgreSQL (stream_markers, V006): written by the EventSink inside the
// transaction that marks the event processed, read by the replica that holds a stream's live
// playlist (ingest/marker_feed.h). Inserting one notifies sql::kMarkerChannel at commit.

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/db/pool.h"
#include "streams/markers.h"

namespace shopcast::video_ingest::streams {

// Stores `marker` in `tx` (received `now`): true if new, false if its marker_id was stored
// already (the same flash sale seen again). Throws pqxx errors, as the rest of the transaction.
bool InsertMarker(pqxx::work& tx, const Marker& marker, absl::Time now);

// What the marker feed reads; an interface so the feed is unit-tested on a fake.
class MarkerSource {
 public:
  virtual ~MarkerSource() = default;
  // The markers of `stream_ids` that still apply at or after `since` (ended no earlier, or
  // instants no earlier), by start.
  virtual absl::StatusOr<std::vector<Marker>> Applying(const std::vector<std::string>& stream_ids,
                                                       absl::Time since) = 0;
  // Deletes (up to 10,000) markers that stopped applying before `before`; how many.
  virtual absl::StatusOr<int> PurgeEndedBefore(absl::Time before) = 0;
};

class MarkerStore final : public MarkerSource {
 public:
  explicit MarkerStore(db::Pool& pool) : pool_(pool) {}
  absl::StatusOr<std::vector<Marker>> Applying(const std::vector<std::string>& stream_ids,
                                               absl::Time since) override;
  absl::StatusOr<int> PurgeEndedBefore(absl::Time before) override;

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::video_ingest::streams
