#pragma once

// Applies video-ingest's stream events (stream_events.h) to recordings and segments, inside the
// delivery's transaction, under the stream's lock (markers::LockStream):
//
// - stream_went_live opens the stream's recording (RECORDING, the stream's title and host); a
//   resumed session continues the same recording (one recording per stream).
// - segment_closed indexes a segment, in any order: a duplicate with the same checksum and key
//   is a no-op, one that differs is refused (SEGMENT_CONFLICT) and the first kept; a segment of
//   a stream whose went_live was never seen creates the recording from what it has (no title
//   until one is known). The recording's totals and span follow; markers waiting for the
//   segment are placed; the recording becomes READY once every expected segment is indexed.
// - stream_ended finalizes: expected_segment_count, the poster key, the host's choice (SAVE or
//   DELETE applied if the host has not decided through SaveOrDelete; UNDECIDED leaves it), then
//   READY (all segments indexed) or PROCESSING (some still to come); DELETE makes it DELETING
//   (the tiers area's purge removes the media). READY emits recording_lifecycle.recording_ready.

#include <functional>
#include <pqxx/transaction>
#include <string>

#include "absl/status/status.h"
#include "markers/marker_store.h"
#include "prometheus/registry.h"
#include "recordings/stream_events.h"

namespace shopcast::recording_lifecycle::recordings {

inline constexpr char kEventSource[] = "recording_lifecycle";
// Where recording_ready goes (realtime-push notifies the host).
inline constexpr char kReadyDestination[] = "realtime_push";

class RecordingEvents {
 public:
  // Everything outlives the object; `metrics` may be null.
  RecordingEvents(std::function<std::string(absl::string_view)> new_id,
                  markers::MarkerEvents& markers, prometheus::Registry* metrics);

  absl::Status Apply(pqxx::work& tx, const StreamChange& change);

 private:
  struct Row;
  // The stream's recording, locked; created (with what is known) when `create`.
  std::optional<Row> Recording(pqxx::work& tx, const std::string& stream_id,
                               const std::string& host_id, const std::string& title, bool create);
  absl::Status OnWentLive(pqxx::work& tx, const WentLive& e);
  absl::Status OnSegment(pqxx::work& tx, const SegmentIndex& e);
  absl::Status OnEnded(pqxx::work& tx, const Ended& e);
  // READY: status and the event.
  void BecomeReady(pqxx::work& tx, const std::string& recording_id);

  std::function<std::string(absl::string_view)> new_id_;
  markers::MarkerEvents& markers_;
  prometheus::Counter* segments_ = nullptr;
  prometheus::Counter* ready_ = nullptr;
};

}  // namespace shopcast::recording_lifecycle::recordings
