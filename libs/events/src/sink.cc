#include "shopcast/events/sink.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shopcast/clients/internal.h"
#include "shopcast/status/status.h"

namespace shopcast::events {
namespace {

// The contract's per-request limit (DeliverEventsRequest).
constexpr size_t kMaxEventsPerCall = 100;

absl::Status FromGrpc(const grpc::Status& s) {
  return Error(static_cast<absl::StatusCode>(s.error_code()), "EVENT_SINK_FAILED",
               absl::StrCat("event sink: ", s.error_message()));
}

}  // namespace

Sink::~Sink() = default;

absl::StatusOr<std::unique_ptr<GrpcSink>> GrpcSink::ToInternalListener(
    absl::string_view destination, absl::string_view target, const auth::ServiceTls& tls,
    GrpcSinkOptions opts) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                   clients::MakeInternalChannel(destination, target, tls));
  return std::make_unique<GrpcSink>(std::move(channel), std::move(opts));
}

GrpcSink::GrpcSink(std::shared_ptr<grpc::ChannelInterface> channel, GrpcSinkOptions opts)
    : stub_(shopcast::common::v1::EventSink::NewStub(std::move(channel))), opts_(std::move(opts)) {}

absl::StatusOr<std::vector<std::string>> GrpcSink::Deliver(
    const std::vector<shopcast::common::v1::Event>& events) {
  std::vector<std::string> accepted;
  for (size_t begin = 0; begin < events.size(); begin += kMaxEventsPerCall) {
    const size_t end = std::min(events.size(), begin + kMaxEventsPerCall);
    shopcast::common::v1::DeliverEventsRequest request;
    for (size_t i = begin; i < end; ++i) *request.add_events() = events[i];
    shopcast::common::v1::DeliverEventsResponse response;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + opts_.deadline));
    for (const auto& [key, value] : opts_.metadata) ctx.AddMetadata(key, value);
    const grpc::Status status = stub_->DeliverEvents(&ctx, request, &response);
    if (!status.ok()) {
      // Later batches would be out of order relative to the failed one: stop here.
      if (accepted.empty()) return FromGrpc(status);
      return accepted;
    }
    for (const std::string& id : response.accepted_ids()) accepted.push_back(id);
  }
  return accepted;
}

}  // namespace shopcast::events
