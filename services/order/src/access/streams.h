#pragma once

// The checkout's view of video-ingest: what a gated stream's access pass costs and who hosts
// it, read with its internal LookupStreams (one call, with a deadline). An interface so the
// checkout's tests can script video-ingest's answers.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

namespace shopcast::order::access {

namespace vi = ::shopcast::video_ingest::v1;

class Streams {
 public:
  virtual ~Streams() = default;
  // The stream's host, status, gate and access price as video-ingest stores them now.
  // NOT_FOUND STREAM_NOT_FOUND when video-ingest does not know the stream; a video-ingest that
  // is down or slow is UNAVAILABLE or DEADLINE_EXCEEDED.
  virtual absl::StatusOr<vi::StreamRef> Lookup(const std::string& stream_id) = 0;
};

// Over VideoIngestInternalService on `channel` (its internal listener, mutual TLS); every call
// bounded by `timeout`.
std::unique_ptr<Streams> MakeGrpcStreams(std::shared_ptr<grpc::Channel> channel,
                                         absl::Duration timeout);

}  // namespace shopcast::order::access
