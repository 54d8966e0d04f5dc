#pragma once

// The chat area of the public RealtimePushService (app/public_service.h routes to it):
// authentication, request checks and proto mapping; the store does the rest, and committed
// appends are fanned out through the FeedHub at once.

#include "chat/chat_store.h"
#include "grpcpp/support/server_callback.h"
#include "rooms/feed_hub.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/realtime_push/v1/realtime_push.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::realtime_push::chat {

class ChatRpcs {
 public:
  ChatRpcs(ChatStore& store, rooms::FeedHub& hub, const auth::TokenVerifier& verifier,
           const auth::RevocationList& revoked, server::Executor& executor)
      : store_(store), hub_(hub), verifier_(verifier), revoked_(revoked), executor_(executor) {}

  grpc::ServerUnaryReactor* SendChat(grpc::CallbackServerContext* ctx,
                                     const pb::SendChatRequest* request,
                                     pb::SendChatResponse* response);
  grpc::ServerUnaryReactor* DeleteChatMessage(grpc::CallbackServerContext* ctx,
                                              const pb::DeleteChatMessageRequest* request,
                                              pb::DeleteChatMessageResponse* response);
  grpc::ServerUnaryReactor* MuteUser(grpc::CallbackServerContext* ctx,
                                     const pb::MuteUserRequest* request,
                                     pb::MuteUserResponse* response);
  grpc::ServerUnaryReactor* UnmuteUser(grpc::CallbackServerContext* ctx,
                                       const pb::UnmuteUserRequest* request,
                                       pb::UnmuteUserResponse* response);
  grpc::ServerUnaryReactor* BanUser(grpc::CallbackServerContext* ctx,
                                    const pb::BanUserRequest* request,
                                    pb::BanUserResponse* response);
  grpc::ServerUnaryReactor* UnbanUser(grpc::CallbackServerContext* ctx,
                                      const pb::UnbanUserRequest* request,
                                      pb::UnbanUserResponse* response);
  grpc::ServerUnaryReactor* ListChatMessages(grpc::CallbackServerContext* ctx,
                                             const pb::ListChatMessagesRequest* request,
                                             pb::ListChatMessagesResponse* response);

 private:
  absl::StatusOr<auth::Claims> Authenticate(grpc::CallbackServerContext* ctx) const;
  // Authenticates and checks a moderation request's ids; the actor on success.
  absl::StatusOr<Actor> ModerationActor(grpc::CallbackServerContext* ctx,
                                        absl::string_view stream_id,
                                        absl::string_view user_id) const;

  ChatStore& store_;
  rooms::FeedHub& hub_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList& revoked_;
  server::Executor& executor_;
};

// Page size 0 → 20, 1..100, else INVALID_ARGUMENT PAGE_SIZE_INVALID; and the sequence to list
// below (from the page token, else before_sequence, else the newest). Exposed for tests.
struct ListWindow {
  int64_t before_seq = 0;
  int page_size = 0;
};
absl::StatusOr<ListWindow> ParseListRequest(const pb::ListChatMessagesRequest& request);

}  // namespace shopcast::realtime_push::chat
