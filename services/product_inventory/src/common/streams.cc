#include "common/streams.h"

#include "absl/strings/match.h"
#include "common/pg_time.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::product_inventory {
namespace {

namespace vi = ::shopcast::video_ingest::v1;

}  // namespace

namespace sql {

// A terminal stream (ENDED 4, ERROR 5) is never changed again.
constexpr char kUpsertStream[] = R"~(
INSERT INTO streams (id, host_id, status, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET
  host_id = CASE WHEN EXCLUDED.host_id = '' THEN streams.host_id ELSE EXCLUDED.host_id END,
  status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
WHERE streams.status < 4)~";
constexpr char kEndStream[] = R"~(
INSERT INTO streams (id, host_id, status, ended_at, updated_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, ended_at = EXCLUDED.ended_at,
  updated_at = EXCLUDED.updated_at
WHERE streams.status < 4)~";
constexpr char kReconnecting[] = R"~(
UPDATE streams SET status = $2, updated_at = $3 WHERE id = $1 AND status < 4)~";
constexpr char kSelectStream[] = R"~(
SELECT host_id, status, ended_at IS NOT NULL FROM streams WHERE id = $1)~";

std::vector<std::pair<std::string, std::string>> StreamStatements() {
  return {{"pi_streams_upsert", kUpsertStream},
          {"pi_streams_end", kEndStream},
          {"pi_streams_reconnecting", kReconnecting},
          {"pi_streams_select", kSelectStream}};
}

}  // namespace sql

namespace {

template <typename T>
absl::StatusOr<T> Unpack(const common::v1::Event& event) {
  T out;
  if (!event.payload().UnpackTo(&out)) {
    return InvalidArgument("events.payload", "EVENT_PAYLOAD_INVALID",
                           "the event's payload is not its type's message");
  }
  return out;
}

}  // namespace

bool IsStreamEvent(const common::v1::Event& event) {
  return event.type() == "video_ingest.stream_created" ||
         event.type() == "video_ingest.stream_went_live" ||
         event.type() == "video_ingest.stream_reconnecting" ||
         event.type() == "video_ingest.stream_ended";
}

absl::Status ApplyStreamEvent(pqxx::work& tx, const common::v1::Event& event, absl::Time now) {
  const std::string at = PgTime(now);
  const std::string& type = event.type();
  if (type == "video_ingest.stream_created") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamCreated>(event));
    tx.exec_prepared0("pi_streams_upsert", e.stream_id(), e.host_id(),
                      static_cast<int>(common::v1::STREAM_STATUS_PREPARING), at);
  } else if (type == "video_ingest.stream_went_live") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamWentLive>(event));
    tx.exec_prepared0("pi_streams_upsert", e.stream_id(), e.host_id(),
                      static_cast<int>(common::v1::STREAM_STATUS_LIVE), at);
  } else if (type == "video_ingest.stream_reconnecting") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamReconnecting>(event));
    // No host in this event: only a stream already known changes.
    tx.exec_prepared0("pi_streams_reconnecting", e.stream_id(),
                      static_cast<int>(common::v1::STREAM_STATUS_RECONNECTING), at);
  } else if (type == "video_ingest.stream_ended") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamEnded>(event));
    const int status = e.status() == common::v1::STREAM_STATUS_ERROR
                           ? common::v1::STREAM_STATUS_ERROR
                           : common::v1::STREAM_STATUS_ENDED;
    tx.exec_prepared0("pi_streams_end", e.stream_id(), e.host_id(), status, at);
  }
  return absl::OkStatus();
}

std::optional<StreamInfo> LookupStream(pqxx::work& tx, const std::string& stream_id) {
  pqxx::result r = tx.exec_prepared("pi_streams_select", stream_id);
  if (r.empty()) return std::nullopt;
  StreamInfo s;
  s.id = stream_id;
  s.host_id = r[0][0].as<std::string>();
  s.status = r[0][1].as<int>();
  s.ended = r[0][2].as<bool>();
  return s;
}

}  // namespace shopcast::product_inventory
