#include "recordings/recording_events.h"

#include <limits>
#include <optional>
#include <pqxx/pqxx>

#include "prometheus/counter.h"
#include "recordings/recordings_sql.h"
#include "shopcast/events/outbox.h"
#include "shopcast/log/log.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.pb.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::recordings {
namespace {

constexpr int kProcessing = 2, kReady = 3, kDeleting = 4, kDeleted = 5;
constexpr int kUndecided = 1, kDelete = 3;

std::optional<int64_t> LastSequence(const std::optional<int64_t>& expected) {
  if (!expected || *expected <= 0) return std::nullopt;
  return *expected - 1;
}

}  // namespace

struct RecordingEvents::Row {
  std::string id;
  std::string host_id;
  std::string title;
  int status = 0;
  int decision = 0;
  std::optional<int64_t> expected;
  int64_t segment_count = 0;
};

RecordingEvents::RecordingEvents(std::function<std::string(absl::string_view)> new_id,
                                 markers::MarkerEvents& markers, prometheus::Registry* metrics)
    : new_id_(std::move(new_id)), markers_(markers) {
  if (metrics != nullptr) {
    segments_ = &prometheus::BuildCounter()
                     .Name("recording_lifecycle_segments_indexed_total")
                     .Help("Segments added to recordings (duplicates not counted)")
                     .Register(*metrics)
                     .Add({});
    ready_ = &prometheus::BuildCounter()
                  .Name("recording_lifecycle_recordings_ready_total")
                  .Help("Recordings that became READY (every expected segment indexed)")
                  .Register(*metrics)
                  .Add({});
  }
}

absl::Status RecordingEvents::Apply(pqxx::work& tx, const StreamChange& change) {
  if (const auto* w = std::get_if<WentLive>(&change)) return OnWentLive(tx, *w);
  if (const auto* s = std::get_if<SegmentIndex>(&change)) return OnSegment(tx, *s);
  if (const auto* e = std::get_if<Ended>(&change)) return OnEnded(tx, *e);
  return absl::OkStatus();
}

std::optional<RecordingEvents::Row> RecordingEvents::Recording(pqxx::work& tx,
                                                               const std::string& stream_id,
                                                               const std::string& host_id,
                                                               const std::string& title,
                                                               bool create) {
  markers::LockStream(tx, stream_id);
  bool created = false;
  if (create) {
    created = tx.exec_params(sql::kCreateRecording, new_id_("rec"), stream_id, host_id, title)
                  .affected_rows() > 0;
  }
  const pqxx::result r = tx.exec_params(sql::kRecordingOfStream, stream_id);
  if (r.empty()) return std::nullopt;
  Row row;
  row.id = r[0][0].as<std::string>();
  row.host_id = r[0][1].as<std::string>();
  row.title = r[0][2].as<std::string>();
  row.status = r[0][3].as<int>();
  row.decision = r[0][4].as<int>();
  if (!r[0][5].is_null()) row.expected = r[0][5].as<int64_t>();
  row.segment_count = r[0][6].as<int64_t>();
  if (!created &&
      ((row.host_id.empty() && !host_id.empty()) || (row.title.empty() && !title.empty()))) {
    tx.exec_params0(sql::kFillIdentity, row.id, host_id, title);
    if (row.host_id.empty()) row.host_id = host_id;
    if (row.title.empty()) row.title = title;
  }
  // Markers that came first (and, once known, their host).
  markers::LinkMarkers(tx, row.id, stream_id, row.host_id);
  if (created) {
    log::Info("recording_opened").Kv("recording_id", row.id).Kv("stream_id", stream_id);
  }
  return row;
}

absl::Status RecordingEvents::OnWentLive(pqxx::work& tx, const WentLive& e) {
  std::optional<Row> row = Recording(tx, e.stream_id, e.host_id, e.title, /*create=*/true);
  if (row && row->host_id != e.host_id) {
    log::Warn("went_live_host_differs")
        .Kv("recording_id", row->id)
        .Kv("stream_id", e.stream_id)
        .Kv("resumed", e.resumed);
  }
  return absl::OkStatus();
}

absl::Status RecordingEvents::OnSegment(pqxx::work& tx, const SegmentIndex& e) {
  std::optional<Row> row = Recording(tx, e.stream_id, "", "", /*create=*/true);
  if (!row) return absl::InternalError("recording vanished");
  const pqxx::result existing = tx.exec_params(sql::kSegment, row->id, e.sequence);
  if (!existing.empty()) {
    const pqxx::row& s = existing[0];
    if (s[0].as<std::string>() == e.sha256 && s[1].as<std::string>() == e.object_key &&
        s[2].as<int64_t>() == e.duration_us && s[3].as<int64_t>() == e.pdt_us) {
      return absl::OkStatus();  // the same segment again (another event id)
    }
    return Error(absl::StatusCode::kFailedPrecondition, "SEGMENT_CONFLICT",
                 "a different segment with this sequence is indexed already", "sequence");
  }
  tx.exec_params0(sql::kInsertSegment, row->id, e.sequence, e.session_id, e.pdt_us, e.duration_us,
                  e.media_offset_us, e.size_bytes, e.sha256, e.object_key, e.discontinuity);
  const pqxx::row totals =
      tx.exec_params1(sql::kAddSegmentTotals, row->id, e.duration_us, e.size_bytes);
  if (segments_ != nullptr) segments_->Increment();
  const int status = totals[0].as<int>();
  const int64_t count = totals[2].as<int64_t>();
  std::optional<int64_t> expected;
  if (!totals[3].is_null()) expected = totals[3].as<int64_t>();
  markers_.CountPlaced(
      markers::PlaceMarkers(tx, row->id, e.sequence, LastSequence(expected)).placed);
  if (status == kProcessing && expected && count >= *expected) BecomeReady(tx, row->id);
  return absl::OkStatus();
}

absl::Status RecordingEvents::OnEnded(pqxx::work& tx, const Ended& e) {
  // A stream that never went live recorded nothing: no recording (its markers stay orphans).
  std::optional<Row> row = Recording(tx, e.stream_id, e.host_id, "", e.segment_count > 0);
  if (!row) {
    log::Info("stream_ended_without_recording").Kv("stream_id", e.stream_id);
    return absl::OkStatus();
  }
  int decision = row->decision;
  bool decided_now = false;
  if (decision == kUndecided && e.choice != kUndecided) {
    decision = e.choice;
    decided_now = true;
  }
  int status = row->status;
  bool ready_now = false;
  if (status != kDeleting && status != kDeleted) {
    if (decision == kDelete) {
      status = kDeleting;
    } else if (row->segment_count >= e.segment_count) {
      ready_now = status != kReady;
      status = kReady;
    } else {
      status = kProcessing;
    }
  }
  std::optional<int64_t> ended;
  if (e.ended_us > 0) ended = e.ended_us;
  // READY goes through BecomeReady, which emits the event with it.
  tx.exec_params0(sql::kFinalize, row->id, e.segment_count, ended, e.poster_key, decision,
                  ready_now ? kProcessing : status, decided_now);
  markers_.CountPlaced(markers::PlaceMarkers(tx, row->id, std::numeric_limits<int64_t>::max(),
                                             LastSequence(e.segment_count))
                           .placed);
  if (ready_now) BecomeReady(tx, row->id);
  log::Info("recording_finalized")
      .Kv("recording_id", row->id)
      .Kv("stream_id", e.stream_id)
      .Kv("expected_segments", e.segment_count)
      .Kv("indexed_segments", row->segment_count)
      .Kv("decision", decision)
      .Kv("status", status);
  return absl::OkStatus();
}

void RecordingEvents::BecomeReady(pqxx::work& tx, const std::string& recording_id) {
  if (tx.exec_params(sql::kMarkReady, recording_id).affected_rows() == 0) return;
  const pqxx::row f = tx.exec_params1(sql::kReadyFacts, recording_id);
  v1::RecordingReady ready;
  ready.set_recording_id(recording_id);
  ready.set_stream_id(f[0].as<std::string>());
  ready.set_host_id(f[1].as<std::string>());
  DurationOfMicros(f[2].as<int64_t>(), ready.mutable_duration());
  ready.set_decision(static_cast<v1::RetentionDecision>(f[3].as<int>()));
  ready.set_moment_count(f[4].as<int64_t>());
  events::OutgoingEvent out;
  out.source = kEventSource;
  out.type = "recording_lifecycle.recording_ready";
  out.aggregate_id = recording_id;
  out.destinations = {kReadyDestination};
  out.payload = &ready;
  events::Enqueue(tx, out);
  if (ready_ != nullptr) ready_->Increment();
  log::Info("recording_ready").Kv("recording_id", recording_id);
}

}  // namespace shopcast::recording_lifecycle::recordings
