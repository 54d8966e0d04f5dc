#include "target.h"

#include <chrono>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "shopcast/clients/internal.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::bench::fanout {

Target::Target(TargetOptions options, const auth::ServiceTls& tls) : options_(std::move(options)) {
  for (int i = 0; i < options_.channels; ++i) {
    grpc::ChannelArguments args;
    // A distinct argument keeps gRPC from sharing one connection between the channels.
    args.SetInt("shopcast.bench.channel", i);
    subscribe_stubs_.push_back(pb::RealtimePushService::NewStub(grpc::CreateCustomChannel(
        options_.public_target, grpc::InsecureChannelCredentials(), args)));
  }
  auto channel = clients::MakeInternalChannel("realtime-push", options_.internal_target, tls);
  if (!channel.ok()) throw std::runtime_error(std::string(channel.status().message()));
  internal_channel_ = *channel;
  internal_stub_ = pb::RealtimePushInternalService::NewStub(internal_channel_);
}

absl::Status Target::OpenRooms(const std::vector<std::string>& room_ids) {
  if (!options_.opens_rooms) return absl::OkStatus();
  auto sink = common::v1::EventSink::NewStub(internal_channel_);
  // The EventSink takes at most 100 events per call.
  for (size_t start = 0; start < room_ids.size(); start += 100) {
    common::v1::DeliverEventsRequest request;
    for (size_t i = start; i < room_ids.size() && i < start + 100; ++i) {
      video_ingest::v1::StreamCreated created;
      created.set_stream_id(room_ids[i]);
      created.set_host_id("usr_bench");
      created.set_title("fan-out bench");
      common::v1::Event* e = request.add_events();
      e->set_id(absl::StrCat("evt_open_", room_ids[i]));
      e->set_type("video_ingest.stream_created");
      e->set_source("video_ingest");
      e->set_aggregate_id(room_ids[i]);
      e->mutable_payload()->PackFrom(created);
    }
    common::v1::DeliverEventsResponse response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status s = sink->DeliverEvents(&ctx, request, &response);
    if (!s.ok()) return absl::UnavailableError("DeliverEvents: " + s.error_message());
    if (response.accepted_ids_size() != request.events_size()) {
      return absl::InternalError("DeliverEvents accepted only part of the rooms");
    }
  }
  return absl::OkStatus();
}

}  // namespace shopcast::bench::fanout
