#pragma once

// The rooms area of the public RealtimePushService (app/public_service.h routes to it).
// Subscribe is a raw method: its responses are frames serialized once per event and shared by
// all subscribers (feed.h), not messages serialized per call.

#include "grpcpp/support/byte_buffer.h"
#include "rooms/feed_hub.h"
#include "rooms/subscribe_reactor.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/server/interceptor.h"

namespace shopcast::realtime_push::rooms {

using RoomServiceBase = pb::RealtimePushService::WithRawCallbackMethod_Subscribe<
    pb::RealtimePushService::CallbackService>;

class RoomServiceImpl {
 public:
  // `registry` and `observability` may be null. With `observability`, Subscribe's calls are
  // left out of its interceptor (which would run on every event written) and each reactor
  // records its call instead (access log, per-RPC metrics).
  RoomServiceImpl(FeedHub& hub, SubscribeOptions options, prometheus::Registry* registry,
                  server::ObservabilityInterceptorFactory* observability = nullptr)
      : hub_(hub), options_(options), metrics_(registry), observability_(observability) {
    if (observability_ != nullptr) observability_->ObserveInHandler(SubscribeMethod());
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* request) {
    return SubscribeReactor::Start(ctx, request, hub_, options_, &metrics_, observability_);
  }

 private:
  FeedHub& hub_;
  const SubscribeOptions options_;
  SubscribeMetrics metrics_;
  server::ObservabilityInterceptorFactory* const observability_;
};

}  // namespace shopcast::realtime_push::rooms
