#include <utility>

#include "access/streams.h"
#include "shopcast/clients/call.h"
#include "shopcast/status/status.h"

namespace shopcast::order::access {
namespace {

constexpr char kPeer[] = "video-ingest";

class GrpcStreams : public Streams {
 public:
  GrpcStreams(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(vi::VideoIngestInternalService::NewStub(std::move(channel))), timeout_(timeout) {}

  absl::StatusOr<vi::StreamRef> Lookup(const std::string& stream_id) override {
    vi::LookupStreamsRequest request;
    request.add_stream_ids(stream_id);
    // The checkout's own call (no parent context): LookupStreams is internal and reads no
    // user token, so the buyer's is not forwarded.
    auto response = clients::Call(kPeer, *stub_, &Stub::LookupStreams, request, nullptr, timeout_);
    if (!response.ok()) return response.status();
    for (vi::StreamRef& ref : *response->mutable_streams()) {
      if (ref.stream_id() == stream_id) return std::move(ref);
    }
    // Unknown ids are omitted from the answer.
    return NotFound("STREAM_NOT_FOUND", "no such stream");
  }

 private:
  using Stub = vi::VideoIngestInternalService::Stub;
  std::unique_ptr<Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<Streams> MakeGrpcStreams(std::shared_ptr<grpc::Channel> channel,
                                         absl::Duration timeout) {
  return std::make_unique<GrpcStreams>(std::move(channel), timeout);
}

}  // namespace shopcast::order::access
