#pragma once

// RealtimePushInternalService: Publish, for peer services (internal listener, mutual TLS).
// Durable events are appended to the room's log through the group-committing BatchAppender and
// fanned out; like bursts and viewer counts are ephemeral and only fanned out. Notify is served by
// the notifications area.

#include "rooms/batch_append.h"
#include "rooms/feed_hub.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::realtime_push::rooms {

// ---- notifications ----
// The notifications area's Notify (it lives in its own library, which builds on this one).
class NotifyHandler {
 public:
  virtual ~NotifyHandler() = default;
  virtual grpc::ServerUnaryReactor* Notify(grpc::CallbackServerContext* ctx,
                                           const pb::NotifyRequest* request,
                                           pb::NotifyResponse* response) = 0;
};
// ---- end notifications ----

class InternalServiceImpl : public pb::RealtimePushInternalService::CallbackService {
 public:
  InternalServiceImpl(FeedHub& hub, BatchAppender& appender, server::Executor& executor);

  // ---- notifications ----
  // Before serving; without a handler Notify answers UNIMPLEMENTED.
  void SetNotifyHandler(NotifyHandler* handler) { notify_ = handler; }
  grpc::ServerUnaryReactor* Notify(grpc::CallbackServerContext* ctx,
                                   const pb::NotifyRequest* request,
                                   pb::NotifyResponse* response) override;
  // ---- end notifications ----

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* ctx,
                                    const pb::PublishRequest* request,
                                    pb::PublishResponse* response) override;

 private:
  FeedHub& hub_;
  BatchAppender& appender_;
  server::Executor& executor_;
  NotifyHandler* notify_ = nullptr;  // notifications
};

// INVALID_ARGUMENT naming the field, or OK. Exposed for the bad-input tests.
absl::Status ValidatePublish(const pb::PublishRequest& request);

}  // namespace shopcast::realtime_push::rooms
