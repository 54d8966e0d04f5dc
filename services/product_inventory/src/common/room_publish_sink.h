#pragma once

// The relay's sink for the realtime_push destination: each outbox event whose payload is a
// realtime_push.v1.RoomEvent is published to the room named by its aggregate_id with
// realtime-push's internal Publish (idempotent per event id, so a redelivery appends nothing);
// one whose payload is a NotifyRequest (user_notifications.h) goes to its internal Notify with
// the event id as dedupe_key (so a redelivery creates no second inbox entry).
// realtime-push's EventSink only turns video-ingest's events into room events; Publish and
// Notify are its interface for producers that already speak its messages.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/events/sink.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"

namespace shopcast::product_inventory {

class RoomPublishSink : public events::Sink {
 public:
  // Over realtime-push's internal listener at `target`, presenting `tls`.
  static absl::StatusOr<std::unique_ptr<RoomPublishSink>> ToInternalListener(
      absl::string_view target, const auth::ServiceTls& tls,
      absl::Duration deadline = absl::Seconds(5));
  RoomPublishSink(std::shared_ptr<grpc::ChannelInterface> channel, absl::Duration deadline);

  // Publishes (or notifies) in order and stops at the first failure, so a room's events never
  // overtake each other. Accepted: published now or before, and events no retry can ever
  // publish (a closed room, an undecodable payload, a refused event or notification: logged).
  // A room not opened yet (ROOM_NOT_FOUND: video-ingest's stream_created may still be on its
  // way) is retried.
  absl::StatusOr<std::vector<std::string>> Deliver(
      const std::vector<common::v1::Event>& events) override;

 private:
  std::unique_ptr<realtime_push::v1::RealtimePushInternalService::Stub> stub_;
  absl::Duration deadline_;
};

}  // namespace shopcast::product_inventory
