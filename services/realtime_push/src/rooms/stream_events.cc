#include "rooms/stream_events.h"

#include "absl/strings/match.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::realtime_push::rooms {
namespace {

namespace vi = ::shopcast::video_ingest::v1;
using common::v1::StreamStatus;

absl::Status BadPayload(const common::v1::Event& event) {
  return InvalidArgument("events.payload", "EVENT_PAYLOAD_INVALID",
                         "event payload does not match its type: " + event.type());
}

template <typename M>
absl::StatusOr<M> Unpack(const common::v1::Event& event) {
  M m;
  if (!event.payload().UnpackTo(&m)) return BadPayload(event);
  return m;
}

pb::RoomEvent StatusEvent(const common::v1::Event& source, StreamStatus status) {
  pb::RoomEvent e;
  *e.mutable_occurred_at() = source.occurred_at();
  e.mutable_stream_status_changed()->set_status(status);
  return e;
}

// Appends a status change; a room that does not exist yet (events from before realtime-push
// was deployed) is opened first so the change is not lost.
absl::Status AppendStatus(pqxx::work& tx, const common::v1::Event& source,
                          const std::string& stream_id, const std::string& host_id,
                          pb::RoomEvent event, absl::Time now, StreamEventEffects& out) {
  if (!host_id.empty()) tx::OpenRoom(tx, stream_id, host_id, "", now);
  absl::StatusOr<Appended> appended =
      tx::Append(tx, stream_id, source.id(), std::move(event), AppendOptions{true});
  if (!appended.ok()) {
    // A room we never heard of and cannot open (no host in the event): nothing to show.
    if (absl::IsNotFound(appended.status())) return absl::OkStatus();
    return appended.status();
  }
  out.appended.push_back(*std::move(appended));
  return absl::OkStatus();
}

}  // namespace

bool IsStreamEvent(const common::v1::Event& event) {
  return absl::StartsWith(event.type(), "video_ingest.");
}

absl::StatusOr<StreamEventEffects> ApplyStreamEvent(pqxx::work& tx, const common::v1::Event& event,
                                                    absl::Time now) {
  StreamEventEffects out;
  const std::string& type = event.type();
  if (type == "video_ingest.stream_created") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamCreated>(event));
    tx::OpenRoom(tx, e.stream_id(), e.host_id(), e.title(), now);
  } else if (type == "video_ingest.stream_updated") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamUpdated>(event));
    tx::RetitleRoom(tx, e.stream_id(), e.title());
  } else if (type == "video_ingest.stream_went_live") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamWentLive>(event));
    tx::OpenRoom(tx, e.stream_id(), e.host_id(), e.title(), now);
    pb::RoomEvent room_event = StatusEvent(event, common::v1::STREAM_STATUS_LIVE);
    room_event.mutable_stream_status_changed()->set_playback_url(e.playback_url());
    RETURN_IF_ERROR(
        AppendStatus(tx, event, e.stream_id(), e.host_id(), std::move(room_event), now, out));
    if (!e.resumed()) out.went_live = WentLive{e.stream_id(), e.host_id(), e.title(), event.id()};
  } else if (type == "video_ingest.stream_reconnecting") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamReconnecting>(event));
    pb::RoomEvent room_event = StatusEvent(event, common::v1::STREAM_STATUS_RECONNECTING);
    *room_event.mutable_stream_status_changed()->mutable_reconnect_deadline() =
        e.reconnect_deadline();
    RETURN_IF_ERROR(AppendStatus(tx, event, e.stream_id(), "", std::move(room_event), now, out));
  } else if (type == "video_ingest.stream_ended") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::StreamEnded>(event));
    const StreamStatus status = e.status() == common::v1::STREAM_STATUS_ERROR
                                    ? common::v1::STREAM_STATUS_ERROR
                                    : common::v1::STREAM_STATUS_ENDED;
    pb::RoomEvent room_event = StatusEvent(event, status);
    room_event.mutable_stream_status_changed()->set_error_reason(e.error_reason());
    RETURN_IF_ERROR(
        AppendStatus(tx, event, e.stream_id(), e.host_id(), std::move(room_event), now, out));
    tx::CloseRoom(tx, e.stream_id(), now);
  } else if (type == "video_ingest.publish_rejected") {
    ASSIGN_OR_RETURN(auto e, Unpack<vi::PublishRejected>(event));
    // Only while PREPARING does a refusal reach viewers (a live stream keeps its encoder).
    pqxx::result room = tx.exec_prepared("rp_select_room", e.stream_id());
    if (!room.empty() && room[0][2].as<int>() == common::v1::STREAM_STATUS_PREPARING) {
      pb::RoomEvent room_event = StatusEvent(event, common::v1::STREAM_STATUS_PREPARING);
      room_event.mutable_stream_status_changed()->set_error_reason(e.reason());
      RETURN_IF_ERROR(AppendStatus(tx, event, e.stream_id(), "", std::move(room_event), now, out));
    }
  }
  // segment_closed and anything newer: nothing for rooms.
  return out;
}

}  // namespace shopcast::realtime_push::rooms
