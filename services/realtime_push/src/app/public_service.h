#pragma once

// The public RealtimePushService: one gRPC class whose methods forward to the areas that
// implement them (rooms, chat, reactions and presence, notifications). Each area keeps its
// logic and state; this class only routes. Methods of areas not wired answer UNIMPLEMENTED.

#include "rooms/room_service.h"

// ---- area headers: rooms ----

// ---- area headers: chat ----

// ---- area headers: engagement (reactions, presence, stats) ----
#include "engagement/engagement_rpcs.h"

// ---- area headers: notifications ----
#include "notify/notify_service.h"

namespace shopcast::realtime_push {

// The areas' handlers; those left null are not served.
struct PublicAreas {
  rooms::RoomServiceImpl* rooms = nullptr;

  // ---- chat ----

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
