#include "common/room_publish_sink.h"

#include "shopcast/clients/call.h"
#include "shopcast/clients/internal.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory {

namespace rp = ::shopcast::realtime_push::v1;

absl::StatusOr<std::unique_ptr<RoomPublishSink>> RoomPublishSink::ToInternalListener(
    absl::string_view target, const auth::ServiceTls& tls, absl::Duration deadline) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                   clients::MakeInternalChannel("realtime-push", target, tls));
  return std::make_unique<RoomPublishSink>(std::move(channel), deadline);
}

RoomPublishSink::RoomPublishSink(std::shared_ptr<grpc::ChannelInterface> channel,
                                 absl::Duration deadline)
    : stub_(rp::RealtimePushInternalService::NewStub(std::move(channel))), deadline_(deadline) {}

absl::StatusOr<std::vector<std::string>> RoomPublishSink::Deliver(
    const std::vector<common::v1::Event>& events) {
  std::vector<std::string> accepted;
  for (const common::v1::Event& event : events) {
    absl::Status delivered;
    if (event.payload().Is<rp::NotifyRequest>()) {
      rp::NotifyRequest request;
      if (!event.payload().UnpackTo(&request)) {
        log::Error("notification_undecodable").Kv("event_id", event.id()).Kv("type", event.type());
        accepted.push_back(event.id());
        continue;
      }
      // The outbox event id: a redelivery of this event is a no-op in realtime-push.
      if (request.dedupe_key().empty()) request.set_dedupe_key(event.id());
      delivered =
          clients::Call("realtime-push", *stub_, &rp::RealtimePushInternalService::Stub::Notify,
                        request, nullptr, deadline_)
              .status();
    } else {
      rp::PublishRequest request;
      if (!event.payload().UnpackTo(request.mutable_event())) {
        log::Error("room_event_undecodable").Kv("event_id", event.id()).Kv("type", event.type());
        accepted.push_back(event.id());
        continue;
      }
      request.set_stream_id(event.aggregate_id());
      request.set_event_id(event.id());
      *request.mutable_event()->mutable_occurred_at() = event.occurred_at();
      delivered =
          clients::Call("realtime-push", *stub_, &rp::RealtimePushInternalService::Stub::Publish,
                        request, nullptr, deadline_)
              .status();
    }
    if (!delivered.ok()) {
      const std::string reason = ReasonOf(delivered);
      const bool never =
          reason == "ROOM_CLOSED" || delivered.code() == absl::StatusCode::kInvalidArgument;
      if (!never) {
        if (!accepted.empty()) return accepted;
        return delivered;
      }
      log::Warn("room_event_dropped")
          .Kv("event_id", event.id())
          .Kv("aggregate_id", event.aggregate_id())
          .Kv("type", event.type())
          .Kv("reason", reason);
    }
    accepted.push_back(event.id());
  }
  return accepted;
}

}  // namespace shopcast::product_inventory
