#include "app/public_service.h"

#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push {

// ---- rooms ----

grpc::ServerWriteReactor<grpc::ByteBuffer>* PublicService::Subscribe(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request) {
  return areas_.rooms->Subscribe(ctx, request);
}

// ---- chat ----

// ---- engagement ----

// ---- notifications ----

namespace {
absl::Status NotificationsOff() {
  return Error(absl::StatusCode::kUnimplemented, "NOT_SERVED", "notifications are not served");
}
}  // namespace

grpc::ServerUnaryReactor* PublicService::ListNotifications(
    grpc::CallbackServerContext* ctx, const notify::pb::ListNotificationsRequest* request,
    notify::pb::ListNotificationsResponse* response) {
  if (areas_.notifications == nullptr) return server::FinishNow(ctx, NotificationsOff());
  return areas_.notifications->ListNotifications(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::MarkNotificationsRead(
    grpc::CallbackServerContext* ctx, const notify::pb::MarkNotificationsReadRequest* request,
    notify::pb::MarkNotificationsReadResponse* response) {
  if (areas_.notifications == nullptr) return server::FinishNow(ctx, NotificationsOff());
  return areas_.notifications->MarkNotificationsRead(ctx, request, response);
}

grpc::ServerWriteReactor<notify::pb::SubscribeNotificationsResponse>*
PublicService::SubscribeNotifications(grpc::CallbackServerContext* ctx,
                                      const notify::pb::SubscribeNotificationsRequest* request) {
  // Always wired in the App; a missing area is a wiring bug.
  return areas_.notifications->SubscribeNotifications(ctx, request);
}

}  // namespace shopcast::realtime_push
