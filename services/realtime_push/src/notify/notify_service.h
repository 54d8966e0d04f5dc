#pragma once

// The notifications area's RPCs: ListNotifications, MarkNotificationsRead and
// SubscribeNotifications of the public service (app/public_service.h routes them here) and
// the internal Notify. Proto <-> store, auth and field checks; the work is in InboxStore.

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "notify/inbox_store.h"
#include "notify/inbox_subscribe_reactor.h"
#include "notify/notify_hub.h"
#include "notify/notify_metrics.h"
#include "rooms/internal_service.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/server/executor.h"

namespace shopcast::realtime_push::notify {

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;
inline constexpr int kMaxMarkIds = 100;

class NotifyService : public rooms::NotifyHandler {
 public:
  struct Deps {
    const auth::TokenVerifier& verifier;
    const auth::RevocationList* revoked;
    InboxStore& store;
    NotifyHub& hub;
    server::Executor& executor;
    InboxSubscribeOptions subscribe;
    NotifyMetrics* metrics;
  };
  explicit NotifyService(const Deps& deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* ListNotifications(grpc::CallbackServerContext* ctx,
                                              const pb::ListNotificationsRequest* request,
                                              pb::ListNotificationsResponse* response);
  grpc::ServerUnaryReactor* MarkNotificationsRead(grpc::CallbackServerContext* ctx,
                                                  const pb::MarkNotificationsReadRequest* request,
                                                  pb::MarkNotificationsReadResponse* response);
  grpc::ServerWriteReactor<pb::SubscribeNotificationsResponse>* SubscribeNotifications(
      grpc::CallbackServerContext* ctx, const pb::SubscribeNotificationsRequest* request);
  // Internal (rooms::InternalServiceImpl forwards it).
  grpc::ServerUnaryReactor* Notify(grpc::CallbackServerContext* ctx,
                                   const pb::NotifyRequest* request,
                                   pb::NotifyResponse* response) override;

 private:
  Deps deps_;
};

}  // namespace shopcast::realtime_push::notify
