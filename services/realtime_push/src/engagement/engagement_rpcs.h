#pragma once

// The engagement area of the public RealtimePushService (app/public_service.h routes to it):
// SetReaction, JoinRoom, Heartbeat, LeaveRoom and GetRoomStats. It checks input and the
// optional token on the gRPC thread, runs the database work on the host's executor, and reports
// committed count changes to the coalescer.

#include "absl/time/time.h"
#include "engagement/coalescer.h"
#include "engagement/presence_store.h"
#include "engagement/reactions_store.h"
#include "engagement/stats.h"
#include "grpcpp/support/server_callback.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::realtime_push::engagement {

namespace pb = ::shopcast::realtime_push::v1;

struct PresenceOptions {
  // Told to clients: heartbeat at least this often.
  absl::Duration heartbeat_interval = absl::Seconds(15);
  // A session stops counting this long after its last heartbeat.
  absl::Duration lease = absl::Seconds(45);
};

class EngagementRpcs {
 public:
  EngagementRpcs(const auth::TokenVerifier& verifier, const auth::RevocationList* revoked,
                 server::Executor& executor, ReactionsStore& reactions, PresenceStore& presence,
                 StatsReader& stats, Coalescer& coalescer, PresenceOptions options)
      : verifier_(verifier),
        revoked_(revoked),
        executor_(executor),
        reactions_(reactions),
        presence_(presence),
        stats_(stats),
        coalescer_(coalescer),
        options_(options) {}

  grpc::ServerUnaryReactor* SetReaction(grpc::CallbackServerContext* ctx,
                                        const pb::SetReactionRequest* request,
                                        pb::SetReactionResponse* response);
  grpc::ServerUnaryReactor* JoinRoom(grpc::CallbackServerContext* ctx,
                                     const pb::JoinRoomRequest* request,
                                     pb::JoinRoomResponse* response);
  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* ctx,
                                      const pb::HeartbeatRequest* request,
                                      pb::HeartbeatResponse* response);
  grpc::ServerUnaryReactor* LeaveRoom(grpc::CallbackServerContext* ctx,
                                      const pb::LeaveRoomRequest* request,
                                      pb::LeaveRoomResponse* response);
  grpc::ServerUnaryReactor* GetRoomStats(grpc::CallbackServerContext* ctx,
                                         const pb::GetRoomStatsRequest* request,
                                         pb::GetRoomStatsResponse* response);

 private:
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
  ReactionsStore& reactions_;
  PresenceStore& presence_;
  StatsReader& stats_;
  Coalescer& coalescer_;
  const PresenceOptions options_;
};

}  // namespace shopcast::realtime_push::engagement
