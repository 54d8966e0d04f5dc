#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "shopcast/events/sink.h"

namespace shopcast::events {
namespace {

using shopcast::common::v1::DeliverEventsRequest;
using shopcast::common::v1::DeliverEventsResponse;
using shopcast::common::v1::Event;

// Accepts every event whose id does not start with "reject", recording calls.
class FakeEventSink final : public shopcast::common::v1::EventSink::Service {
 public:
  grpc::Status DeliverEvents(grpc::ServerContext* ctx, const DeliverEventsRequest* req,
                             DeliverEventsResponse* resp) override {
    absl::MutexLock lock(&mu_);
    call_sizes.push_back(req->events_size());
    auto md = ctx->client_metadata().find("x-caller");
    caller =
        md == ctx->client_metadata().end() ? "" : std::string(md->second.data(), md->second.size());
    if (delay > absl::ZeroDuration()) absl::SleepFor(delay);
    if (fail) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down for maintenance");
    for (const Event& e : req->events()) {
      if (e.id().rfind("reject", 0) != 0) resp->add_accepted_ids(e.id());
    }
    return grpc::Status::OK;
  }

  absl::Mutex mu_;
  std::vector<int> call_sizes;
  std::string caller;
  absl::Duration delay;
  bool fail = false;
};

struct InProcessServer {
  FakeEventSink service;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;

  InProcessServer() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    channel = server->InProcessChannel(grpc::ChannelArguments());
  }
  ~InProcessServer() { server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1))); }
};

std::vector<Event> Events(const std::vector<std::string>& ids) {
  std::vector<Event> out;
  for (const auto& id : ids) {
    Event e;
    e.set_id(id);
    e.set_type("test.happened");
    out.push_back(e);
  }
  return out;
}

TEST_CASE("GrpcSink returns the ids the receiver accepted and sends the metadata") {
  InProcessServer s;
  GrpcSinkOptions opts;
  opts.metadata = {{"x-caller", "order"}};
  GrpcSink sink(s.channel, opts);
  auto accepted = sink.Deliver(Events({"evt_1", "reject_2", "evt_3"}));
  REQUIRE(accepted.ok());
  CHECK(*accepted == std::vector<std::string>{"evt_1", "evt_3"});
  absl::MutexLock lock(&s.service.mu_);
  CHECK(s.service.caller == "order");
}

TEST_CASE("GrpcSink splits large batches into calls of at most 100 events") {
  InProcessServer s;
  GrpcSink sink(s.channel);
  std::vector<std::string> ids;
  for (int i = 0; i < 250; ++i) ids.push_back("evt_" + std::to_string(i));
  auto accepted = sink.Deliver(Events(ids));
  REQUIRE(accepted.ok());
  CHECK(accepted->size() == 250);
  absl::MutexLock lock(&s.service.mu_);
  CHECK(s.service.call_sizes == std::vector<int>{100, 100, 50});
}

TEST_CASE("GrpcSink reports the receiver's failure and its deadline") {
  InProcessServer s;
  {
    absl::MutexLock lock(&s.service.mu_);
    s.service.fail = true;
  }
  GrpcSink sink(s.channel);
  auto failed = sink.Deliver(Events({"evt_1"}));
  CHECK(failed.status().code() == absl::StatusCode::kUnavailable);

  InProcessServer slow;
  slow.service.delay = absl::Milliseconds(500);
  GrpcSinkOptions opts;
  opts.deadline = absl::Milliseconds(50);
  GrpcSink impatient(slow.channel, opts);
  auto late = impatient.Deliver(Events({"evt_1"}));
  CHECK(late.status().code() == absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace shopcast::events
