#pragma once

// One server under test, as the load client reaches it: subscription stubs spread over
// several channels (each its own HTTP/2 connection, so no connection's stream limit caps the
// subscribers), an internal stub over mutual TLS for Publish, and its process id for /proc.
// realtime-push and the baseline speak the same RPCs, so everything else is shared.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"

namespace shopcast::bench::fanout {

namespace pb = ::shopcast::realtime_push::v1;

struct TargetOptions {
  std::string name;             // shown in the table
  pid_t pid = 0;                // the server process
  std::string public_target;    // host:port of Subscribe
  std::string internal_target;  // host:port of Publish (and EventSink)
  bool opens_rooms = false;     // rooms must be opened (realtime-push) before subscribing
  int channels = 32;
  // SubscribeRequest.max_events_per_message (0: one event per message).
  int max_events_per_message = 0;
};

class Target {
 public:
  // `tls` is the publishing service's credential (video-ingest's, an event producer).
  Target(TargetOptions options, const auth::ServiceTls& tls);

  const TargetOptions& options() const { return options_; }
  // The stub of subscription `i` (channels taken round robin).
  pb::RealtimePushService::Stub& SubscribeStub(size_t i) {
    return *subscribe_stubs_[i % subscribe_stubs_.size()];
  }
  pb::RealtimePushInternalService::Stub& InternalStub() { return *internal_stub_; }

  // Makes `count` rooms: on realtime-push through its EventSink, as video-ingest's
  // stream_created events would; the baseline makes a room on its first subscriber.
  absl::Status OpenRooms(const std::vector<std::string>& room_ids);

 private:
  TargetOptions options_;
  std::shared_ptr<grpc::Channel> internal_channel_;
  std::vector<std::unique_ptr<pb::RealtimePushService::Stub>> subscribe_stubs_;
  std::unique_ptr<pb::RealtimePushInternalService::Stub> internal_stub_;
};

}  // namespace shopcast::bench::fanout
