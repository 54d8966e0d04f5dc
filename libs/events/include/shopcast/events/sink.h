#pragma once

// Where a Relay delivers events: an interface, and its gRPC implementation calling a peer's
// shopcast.common.v1.EventSink service.

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/common/v1/event.pb.h"

namespace shopcast::events {

class Sink {
 public:
  virtual ~Sink();
  // Delivers `events` (commit order) and returns the ids the receiver accepted, i.e. applied
  // now or earlier; the others are retried later. An error means none was accepted.
  virtual absl::StatusOr<std::vector<std::string>> Deliver(
      const std::vector<shopcast::common::v1::Event>& events) = 0;
};

struct GrpcSinkOptions {
  // Deadline of each DeliverEvents call.
  absl::Duration deadline = absl::Seconds(5);
  // Sent with every call (e.g. internal-caller credentials).
  std::vector<std::pair<std::string, std::string>> metadata;
};

class GrpcSink : public Sink {
 public:
  // EventSink is internal: peers serve it only on their internal listener, to callers with a
  // service certificate. This sink presents `tls` to the peer `destination` at `target`.
  // InvalidArgument (PEER_ADDRESS_MISSING) for an empty target.
  static absl::StatusOr<std::unique_ptr<GrpcSink>> ToInternalListener(absl::string_view destination,
                                                                      absl::string_view target,
                                                                      const auth::ServiceTls& tls,
                                                                      GrpcSinkOptions opts = {});

  // Over a channel the caller made (tests; a channel without the credential is refused).
  explicit GrpcSink(std::shared_ptr<grpc::ChannelInterface> channel, GrpcSinkOptions opts = {});

  // One DeliverEvents call per 100 events (the contract's limit); stops at the first failed
  // call, returning what was accepted so far if anything was, else the call's status.
  absl::StatusOr<std::vector<std::string>> Deliver(
      const std::vector<shopcast::common::v1::Event>& events) override;

 private:
  std::unique_ptr<shopcast::common::v1::EventSink::Stub> stub_;
  GrpcSinkOptions opts_;
};

}  // namespace shopcast::events
