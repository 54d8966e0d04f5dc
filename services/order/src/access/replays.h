#pragma once

// The checkout's view of recording-lifecycle: whether a show that has ended keeps a replay,
// which is what an access pass bought after the show is for. Read with the public GetRecording
// by stream id, with no user token: only a kept (SAVE) recording is public, so anything the
// call does not show is no replay. An interface so the checkout's tests can script it.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace shopcast::order::access {

class Replays {
 public:
  virtual ~Replays() = default;
  // True when the stream's recording is kept as a replay (decision SAVE) and is, or is about to
  // be, playable (PROCESSING or READY); false for no recording, one not kept, deleted or aged
  // out. A recording-lifecycle that is down or slow is UNAVAILABLE or DEADLINE_EXCEEDED.
  virtual absl::StatusOr<bool> Kept(const std::string& stream_id) = 0;
};

// Over RecordingLifecycleService on `channel` (its public listener); every call bounded by
// `timeout`.
std::unique_ptr<Replays> MakeGrpcReplays(std::shared_ptr<grpc::Channel> channel,
                                         absl::Duration timeout);

}  // namespace shopcast::order::access
