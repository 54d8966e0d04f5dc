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
    rp::PublishRequest request;
    if (!event.payload().UnpackTo(request.mutable_event())) {
      log::Error("room_event_undecodable").Kv("event_id", event.id()).Kv("type", event.type());
      accepted.push_back(event.id());
      continue;
    }
    request.set_stream_id(event.aggregate_id());
    request.set_event_id(event.id());
    *request.mutable_event()->mutable_occurred_at() = event.occurred_at();
    absl::StatusOr<rp::PublishResponse> published =
        clients::Call("realtime-push", *stub_, &rp::RealtimePushInternalService::Stub::Publish,
                      request, nullptr, deadline_);
    if (!published.ok()) {
      const std::string reason = ReasonOf(published.status());
      const bool never = reason == "ROOM_CLOSED" ||
                         published.status().code() == absl::StatusCode::kInvalidArgument;
      if (!never) {
        if (!accepted.empty()) return accepted;
        return published.status();
      }
      log::Warn("room_event_dropped")
          .Kv("event_id", event.id())
          .Kv("stream_id", event.aggregate_id())
          .Kv("reason", reason);
    }
    accepted.push_back(event.id());
  }
  return accepted;
}

}  // namespace shopcast::product_inventory
