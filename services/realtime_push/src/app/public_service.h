#pragma once

// The public RealtimePushService: one gRPC class whose methods forward to the areas that
// implement them (rooms, chat, reactions and presence, notifications). Each area keeps its
// logic and state; this class only routes. Methods of areas not wired answer UNIMPLEMENTED.

#include "rooms/room_service.h"

// ---- area headers: rooms ----

// ---- area headers: chat ----

// ---- area headers: engagement (reactions, presence, stats) ----

// ---- area headers: notifications ----
#include "notify/notify_service.h"

namespace shopcast::realtime_push {

// The areas' handlers; those left null are not served.
struct PublicAreas {
  rooms::RoomServiceImpl* rooms = nullptr;

  // ---- chat ----

  // ---- engagement ----

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
