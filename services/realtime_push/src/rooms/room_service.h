#pragma once

// The public RealtimePushService. Subscribe is a raw method: its responses are frames
// serialized once per event and shared by all subscribers (feed.h), not messages serialized
// per call. Chat, reactions, presence, stats and notifications come with their areas.

#include "grpcpp/support/byte_buffer.h"
#include "rooms/feed_hub.h"
#include "rooms/subscribe_reactor.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"

namespace shopcast::realtime_push::rooms {

using RoomServiceBase = pb::RealtimePushService::WithRawCallbackMethod_Subscribe<
    pb::RealtimePushService::CallbackService>;

class RoomServiceImpl : public RoomServiceBase {
 public:
  RoomServiceImpl(FeedHub& hub, SubscribeOptions options, prometheus::Registry* registry)
      : hub_(hub), options_(options), metrics_(registry) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* request) override {
    return SubscribeReactor::Start(ctx, request, hub_, options_, &metrics_);
  }

 private:
  FeedHub& hub_;
  const SubscribeOptions options_;
  SubscribeMetrics metrics_;
};

}  // namespace shopcast::realtime_push::rooms
