#include "rooms/internal_service.h"

#include "rooms/ids.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::rooms {

absl::Status ValidatePublish(const pb::PublishRequest& request) {
  RETURN_IF_ERROR(ValidateStreamId(request.stream_id()));
  if (!IsPrintableAscii(request.event_id(), 1, 64)) {
    return InvalidArgument("event_id", "EVENT_ID_INVALID",
                           "event_id must be 1..64 printable ASCII");
  }
  if (request.event().payload_case() == pb::RoomEvent::PAYLOAD_NOT_SET) {
    return InvalidArgument("event.payload", "EVENT_PAYLOAD_MISSING", "the event has no payload");
  }
  return absl::OkStatus();
}

InternalServiceImpl::InternalServiceImpl(FeedHub& hub, BatchAppender& appender,
                                         server::Executor& executor)
    : hub_(hub), appender_(appender), executor_(executor) {}

grpc::ServerUnaryReactor* InternalServiceImpl::Publish(grpc::CallbackServerContext* ctx,
                                                       const pb::PublishRequest* request,
                                                       pb::PublishResponse* response) {
  if (absl::Status s = ValidatePublish(*request); !s.ok()) return server::FinishNow(ctx, s);
  const pb::RoomEvent& event = request->event();
  if (!IsEphemeral(event)) {
    // No executor thread waits on the commit: the appender finishes the call.
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    appender_.Submit(AppendRequest{request->stream_id(), request->event_id(), event},
                     [ctx, reactor, response](absl::StatusOr<Appended> appended) {
                       if (appended.ok()) response->set_sequence(appended->seq);
                       reactor->Finish(server::ToGrpcStatus(appended.status(), ctx));
                     });
    // This is one of gRPC's callback threads: walk a room an earlier batch queued, as the
    // bare broadcast server writes its rooms from its Publish handler (wake_queue.h).
    hub_.HelpWake();
    return reactor;
  }
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(Room room, hub_.log().GetRoom(request->stream_id()));
    if (room.closed_at.has_value()) {
      return Error(absl::StatusCode::kFailedPrecondition, "ROOM_CLOSED", "the room is closed");
    }
    pb::RoomEvent e = request->event();
    e.set_stream_id(request->stream_id());
    e.set_event_id(request->event_id());
    e.set_ephemeral(true);
    RETURN_IF_ERROR(hub_.log().NotifyEphemeral(request->stream_id(), e));
    response->set_sequence(room.head_seq);
    return absl::OkStatus();
  });
}

// ---- notifications ----

grpc::ServerUnaryReactor* InternalServiceImpl::Notify(grpc::CallbackServerContext* ctx,
                                                      const pb::NotifyRequest* request,
                                                      pb::NotifyResponse* response) {
  if (notify_ == nullptr) {
    return server::FinishNow(ctx, Error(absl::StatusCode::kUnimplemented, "NOT_SERVED",
                                        "notifications are not served here"));
  }
  return notify_->Notify(ctx, request, response);
}

// ---- end notifications ----

}  // namespace shopcast::realtime_push::rooms
