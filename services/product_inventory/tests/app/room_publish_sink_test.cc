// The relay's sink for room events, against an in-process stand-in for realtime-push's
// internal Publish: events go to their room in order, a closed room or an undecodable payload
// is accepted (no retry can help), a room not open yet stops the batch for a retry; user
// notifications go to Notify with the event id as their dedupe key.

#include "common/room_publish_sink.h"

#include <catch2/catch.hpp>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/server_builder.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"

namespace shopcast::product_inventory {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

class FakePush : public rp::RealtimePushInternalService::Service {
 public:
  grpc::Status Publish(grpc::ServerContext* ctx, const rp::PublishRequest* req,
                       rp::PublishResponse* resp) override {
    if (req->stream_id() == "str_closed") {
      ctx->AddTrailingMetadata("shopcast-error-reason", "ROOM_CLOSED");
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "the room is closed");
    }
    if (req->stream_id() == "str_missing") {
      ctx->AddTrailingMetadata("shopcast-error-reason", "ROOM_NOT_FOUND");
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such room");
    }
    absl::MutexLock lock(&mu);
    published.push_back(req->stream_id() + "/" + req->event_id() + "/" +
                        req->event().product_created().product().product_id());
    resp->set_sequence(static_cast<int64_t>(published.size()));
    return grpc::Status::OK;
  }

  grpc::Status Notify(grpc::ServerContext*, const rp::NotifyRequest* req,
                      rp::NotifyResponse* resp) override {
    if (req->notification().title().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "title is required");
    }
    absl::MutexLock lock(&mu);
    published.push_back("notify/" + req->user_ids(0) + "/" + req->dedupe_key() + "/" +
                        req->notification().product_id());
    resp->set_created_count(1);
    return grpc::Status::OK;
  }

  absl::Mutex mu;
  std::vector<std::string> published ABSL_GUARDED_BY(mu);
};

common::v1::Event Notification(const std::string& id, const std::string& user,
                               const std::string& product, const std::string& title = "Hi") {
  rp::NotifyRequest request;
  request.add_user_ids(user);
  request.mutable_notification()->set_title(title);
  request.mutable_notification()->set_product_id(product);
  common::v1::Event e;
  e.set_id(id);
  e.set_type("product_inventory.queue_admitted");
  e.set_aggregate_id(user);
  e.mutable_payload()->PackFrom(request);
  return e;
}

common::v1::Event RoomEvent(const std::string& id, const std::string& stream,
                            const std::string& product) {
  rp::RoomEvent room;
  room.mutable_product_created()->mutable_product()->set_product_id(product);
  common::v1::Event e;
  e.set_id(id);
  e.set_type("product_inventory.product_created");
  e.set_aggregate_id(stream);
  e.mutable_payload()->PackFrom(room);
  return e;
}

struct InProcess {
  FakePush push;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<RoomPublishSink> sink;
  InProcess() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&push);
    server = builder.BuildAndStart();
    sink = std::make_unique<RoomPublishSink>(server->InProcessChannel(grpc::ChannelArguments()),
                                             absl::Seconds(10));
  }
  ~InProcess() { server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1))); }
};

TEST_CASE("room sink: events are published to their rooms in order") {
  InProcess s;
  auto accepted =
      s.sink->Deliver({RoomEvent("evt_1", "str_a", "prd_1"), RoomEvent("evt_2", "str_b", "prd_2")});
  REQUIRE(accepted.ok());
  CHECK(*accepted == std::vector<std::string>{"evt_1", "evt_2"});
  absl::MutexLock lock(&s.push.mu);
  CHECK(s.push.published == std::vector<std::string>{"str_a/evt_1/prd_1", "str_b/evt_2/prd_2"});
}

TEST_CASE("room sink: a closed room and an undecodable payload are accepted and dropped") {
  InProcess s;
  common::v1::Event garbage = RoomEvent("evt_2", "str_a", "prd_2");
  garbage.mutable_payload()->set_value("\xff\xff not a RoomEvent");
  auto accepted = s.sink->Deliver(
      {RoomEvent("evt_1", "str_closed", "prd_1"), garbage, RoomEvent("evt_3", "str_a", "prd_3")});
  REQUIRE(accepted.ok());
  CHECK(*accepted == std::vector<std::string>{"evt_1", "evt_2", "evt_3"});
  absl::MutexLock lock(&s.push.mu);
  CHECK(s.push.published == std::vector<std::string>{"str_a/evt_3/prd_3"});
}

TEST_CASE("room sink: a room not open yet stops the batch, to be retried") {
  InProcess s;
  auto first = s.sink->Deliver({RoomEvent("evt_1", "str_missing", "prd_1")});
  CHECK_FALSE(first.ok());
  auto later = s.sink->Deliver({RoomEvent("evt_1", "str_a", "prd_1"),
                                RoomEvent("evt_2", "str_missing", "prd_2"),
                                RoomEvent("evt_3", "str_a", "prd_3")});
  REQUIRE(later.ok());
  CHECK(*later == std::vector<std::string>{"evt_1"});
}

TEST_CASE("room sink: notifications go to Notify, deduplicated by their event id") {
  InProcess s;
  auto accepted = s.sink->Deliver({RoomEvent("evt_1", "str_a", "prd_1"),
                                   Notification("evt_2", "usr_a", "prd_1"),
                                   Notification("evt_3", "usr_b", "prd_1", /*title=*/"")});
  REQUIRE(accepted.ok());
  // The refused one (INVALID_ARGUMENT: no retry can help) is accepted and dropped.
  CHECK(*accepted == std::vector<std::string>{"evt_1", "evt_2", "evt_3"});
  absl::MutexLock lock(&s.push.mu);
  CHECK(s.push.published ==
        std::vector<std::string>{"str_a/evt_1/prd_1", "notify/usr_a/evt_2/prd_1"});
}

}  // namespace
}  // namespace shopcast::product_inventory
