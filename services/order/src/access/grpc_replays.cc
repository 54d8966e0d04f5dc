#include <utility>

#include "access/replays.h"
#include "shopcast/clients/call.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"

namespace shopcast::order::access {
namespace {

namespace rl = ::shopcast::recording_lifecycle::v1;

constexpr char kPeer[] = "recording-lifecycle";

class GrpcReplays : public Replays {
 public:
  GrpcReplays(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(rl::RecordingLifecycleService::NewStub(std::move(channel))), timeout_(timeout) {}

  absl::StatusOr<bool> Kept(const std::string& stream_id) override {
    rl::GetRecordingRequest request;
    request.set_stream_id(stream_id);
    // No token: the question is what anyone may see, and a kept replay is public.
    auto response = clients::Call(kPeer, *stub_, &Stub::GetRecording, request, nullptr, timeout_);
    if (absl::IsNotFound(response.status())) return false;
    if (!response.ok()) return response.status();
    const rl::Recording& r = response->recording();
    return r.decision() == rl::RETENTION_DECISION_SAVE &&
           (r.status() == rl::RECORDING_STATUS_PROCESSING ||
            r.status() == rl::RECORDING_STATUS_READY);
  }

 private:
  using Stub = rl::RecordingLifecycleService::Stub;
  std::unique_ptr<Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<Replays> MakeGrpcReplays(std::shared_ptr<grpc::Channel> channel,
                                         absl::Duration timeout) {
  return std::make_unique<GrpcReplays>(std::move(channel), timeout);
}

}  // namespace shopcast::order::access
