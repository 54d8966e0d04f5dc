#pragma once

// The rooms area of the public RealtimePushService (app/public_service.h routes to it).
// Subscribe is a raw method: its responses are frames serialized once per event and shared by
// all subscribers (feed.h), not messages serialized per call.

#include "grpcpp/support/byte_buffer.h"
#include "rooms/feed_hub.h"
#include "rooms/subscribe_reactor.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"

namespace shopcast::realtime_push::rooms {

using RoomServiceBase = pb::RealtimePushService::WithRawCallbackMethod_Subscribe<
    pb::RealtimePushService::CallbackService>;

class RoomServiceImpl {
 public:
  RoomServiceImpl(FeedHub& hub, SubscribeOptions options, prometheus::Registry* registry)
      : hub_(hub), options_(options), metrics_(registry) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* request) {
    return SubscribeReactor::Start(ctx, request, hub_, options_, &metrics_);
  }

 private:
  FeedHub& hub_;
  const SubscribeOptions options_;
  SubscribeMetrics metrics_;
};

}  // namespace shopcast::realtime_push::rooms
