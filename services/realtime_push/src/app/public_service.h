#pragma once

// The public RealtimePushService: one gRPC class whose methods forward to the areas that
// implement them (rooms, chat, reactions and presence, notifications). Each area keeps its
// logic and state; this class only routes. Methods of areas not wired answer UNIMPLEMENTED.

#include "rooms/room_service.h"

// ---- area headers: rooms ----

// ---- area headers: chat ----
#include "chat/chat_rpcs.h"

// ---- area headers: engagement (reactions, presence, stats) ----
#include "engagement/engagement_rpcs.h"

// ---- area headers: notifications ----
#include "notify/notify_service.h"

namespace shopcast::realtime_push {

// The areas' handlers; those left null are not served.
struct PublicAreas {
  rooms::RoomServiceImpl* rooms = nullptr;

  // ---- chat ----
  chat::ChatRpcs* chat = nullptr;

  // ---- engagement ----
  engagement::EngagementRpcs* engagement = nullptr;

  // ---- notifications ----
  notify::NotifyService* notifications = nullptr;
};

class PublicService : public rooms::RoomServiceBase {
 public:
  explicit PublicService(PublicAreas areas) : areas_(areas) {}

  // ---- rooms ----
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* request) override;

  // ---- chat ----
  grpc::ServerUnaryReactor* SendChat(grpc::CallbackServerContext* ctx,
                                     const rooms::pb::SendChatRequest* request,
                                     rooms::pb::SendChatResponse* response) override;
  grpc::ServerUnaryReactor* DeleteChatMessage(
      grpc::CallbackServerContext* ctx, const rooms::pb::DeleteChatMessageRequest* request,
      rooms::pb::DeleteChatMessageResponse* response) override;
  grpc::ServerUnaryReactor* MuteUser(grpc::CallbackServerContext* ctx,
                                     const rooms::pb::MuteUserRequest* request,
                                     rooms::pb::MuteUserResponse* response) override;
  grpc::ServerUnaryReactor* UnmuteUser(grpc::CallbackServerContext* ctx,
                                       const rooms::pb::UnmuteUserRequest* request,
                                       rooms::pb::UnmuteUserResponse* response) override;
  grpc::ServerUnaryReactor* BanUser(grpc::CallbackServerContext* ctx,
                                    const rooms::pb::BanUserRequest* request,
                                    rooms::pb::BanUserResponse* response) override;
  grpc::ServerUnaryReactor* UnbanUser(grpc::CallbackServerContext* ctx,
                                      const rooms::pb::UnbanUserRequest* request,
                                      rooms::pb::UnbanUserResponse* response) override;
  grpc::ServerUnaryReactor* ListChatMessages(
      grpc::CallbackServerContext* ctx, const rooms::pb::ListChatMessagesRequest* request,
      rooms::pb::ListChatMessagesResponse* response) override;

  // ---- engagement ----
  grpc::ServerUnaryReactor* SetReaction(grpc::CallbackServerContext* ctx,
                                        const v1::SetReactionRequest* request,
                                        v1::SetReactionResponse* response) override;
  grpc::ServerUnaryReactor* JoinRoom(grpc::CallbackServerContext* ctx,
                                     const v1::JoinRoomRequest* request,
                                     v1::JoinRoomResponse* response) override;
  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* ctx,
                                      const v1::HeartbeatRequest* request,
                                      v1::HeartbeatResponse* response) override;
  grpc::ServerUnaryReactor* LeaveRoom(grpc::CallbackServerContext* ctx,
                                      const v1::LeaveRoomRequest* request,
                                      v1::LeaveRoomResponse* response) override;
  grpc::ServerUnaryReactor* GetRoomStats(grpc::CallbackServerContext* ctx,
                                         const v1::GetRoomStatsRequest* request,
                                         v1::GetRoomStatsResponse* response) override;

  // ---- notifications ----
  grpc::ServerUnaryReactor* ListNotifications(
      grpc::CallbackServerContext* ctx, const notify::pb::ListNotificationsRequest* request,
      notify::pb::ListNotificationsResponse* response) override;
  grpc::ServerUnaryReactor* MarkNotificationsRead(
      grpc::CallbackServerContext* ctx, const notify::pb::MarkNotificationsReadRequest* request,
      notify::pb::MarkNotificationsReadResponse* response) override;
  grpc::ServerWriteReactor<notify::pb::SubscribeNotificationsResponse>* SubscribeNotifications(
      grpc::CallbackServerContext* ctx,
      const notify::pb::SubscribeNotificationsRequest* request) override;

 private:
  PublicAreas areas_;
};

}  // namespace shopcast::realtime_push
