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

grpc::ServerUnaryReactor* PublicService::SendChat(grpc::CallbackServerContext* ctx,
                                                  const rooms::pb::SendChatRequest* request,
                                                  rooms::pb::SendChatResponse* response) {
  return areas_.chat->SendChat(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::DeleteChatMessage(
    grpc::CallbackServerContext* ctx, const rooms::pb::DeleteChatMessageRequest* request,
    rooms::pb::DeleteChatMessageResponse* response) {
  return areas_.chat->DeleteChatMessage(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::MuteUser(grpc::CallbackServerContext* ctx,
                                                  const rooms::pb::MuteUserRequest* request,
                                                  rooms::pb::MuteUserResponse* response) {
  return areas_.chat->MuteUser(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::UnmuteUser(grpc::CallbackServerContext* ctx,
                                                    const rooms::pb::UnmuteUserRequest* request,
                                                    rooms::pb::UnmuteUserResponse* response) {
  return areas_.chat->UnmuteUser(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::BanUser(grpc::CallbackServerContext* ctx,
                                                 const rooms::pb::BanUserRequest* request,
                                                 rooms::pb::BanUserResponse* response) {
  return areas_.chat->BanUser(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::UnbanUser(grpc::CallbackServerContext* ctx,
                                                   const rooms::pb::UnbanUserRequest* request,
                                                   rooms::pb::UnbanUserResponse* response) {
  return areas_.chat->UnbanUser(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::ListChatMessages(
    grpc::CallbackServerContext* ctx, const rooms::pb::ListChatMessagesRequest* request,
    rooms::pb::ListChatMessagesResponse* response) {
  return areas_.chat->ListChatMessages(ctx, request, response);
}

// ---- engagement ----

namespace {
grpc::ServerUnaryReactor* EngagementNotServed(grpc::CallbackServerContext* ctx) {
  return server::FinishNow(
      ctx, Error(absl::StatusCode::kUnimplemented, "NOT_SERVED", "this method is not served here"));
}
}  // namespace

grpc::ServerUnaryReactor* PublicService::SetReaction(grpc::CallbackServerContext* ctx,
                                                     const v1::SetReactionRequest* request,
                                                     v1::SetReactionResponse* response) {
  if (areas_.engagement == nullptr) return EngagementNotServed(ctx);
  return areas_.engagement->SetReaction(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::JoinRoom(grpc::CallbackServerContext* ctx,
                                                  const v1::JoinRoomRequest* request,
                                                  v1::JoinRoomResponse* response) {
  if (areas_.engagement == nullptr) return EngagementNotServed(ctx);
  return areas_.engagement->JoinRoom(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::Heartbeat(grpc::CallbackServerContext* ctx,
                                                   const v1::HeartbeatRequest* request,
                                                   v1::HeartbeatResponse* response) {
  if (areas_.engagement == nullptr) return EngagementNotServed(ctx);
  return areas_.engagement->Heartbeat(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::LeaveRoom(grpc::CallbackServerContext* ctx,
                                                   const v1::LeaveRoomRequest* request,
                                                   v1::LeaveRoomResponse* response) {
  if (areas_.engagement == nullptr) return EngagementNotServed(ctx);
  return areas_.engagement->LeaveRoom(ctx, request, response);
}

grpc::ServerUnaryReactor* PublicService::GetRoomStats(grpc::CallbackServerContext* ctx,
                                                      const v1::GetRoomStatsRequest* request,
                                                      v1::GetRoomStatsResponse* response) {
  if (areas_.engagement == nullptr) return EngagementNotServed(ctx);
  return areas_.engagement->GetRoomStats(ctx, request, response);
}

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
