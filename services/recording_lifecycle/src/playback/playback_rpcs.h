#pragma once

// Playback's RPCs: GetPlaybackUrl (RecordingLifecycleService; public, the caller from its token
// when there is one), GetPlaylist and ResolveSegment (RecordingLifecycleInternalService; the
// network keeps them internal). The blocking work runs on the service's executor.

#include "grpcpp/grpcpp.h"
#include "playback/playback.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"
#include "shopcast/server/executor.h"

namespace shopcast::recording_lifecycle::playback {

class PlaybackRpcs {
 public:
  // Everything outlives the object; `revoked` may be null.
  PlaybackRpcs(Playback& playback, const auth::TokenVerifier& verifier,
               const auth::RevocationList* revoked, server::Executor& executor)
      : playback_(playback), verifier_(verifier), revoked_(revoked), executor_(executor) {}

  grpc::ServerUnaryReactor* GetPlaybackUrl(grpc::CallbackServerContext* ctx,
                                           const v1::GetPlaybackUrlRequest* request,
                                           v1::GetPlaybackUrlResponse* response);
  // Internal.
  grpc::ServerUnaryReactor* GetPlaylist(grpc::CallbackServerContext* ctx,
                                        const v1::GetPlaylistRequest* request,
                                        v1::GetPlaylistResponse* response);
  grpc::ServerUnaryReactor* ResolveSegment(grpc::CallbackServerContext* ctx,
                                           const v1::ResolveSegmentRequest* request,
                                           v1::ResolveSegmentResponse* response);

 private:
  Playback& playback_;
  const auth::TokenVerifier& verifier_;
  const auth::RevocationList* revoked_;
  server::Executor& executor_;
};

}  // namespace shopcast::recording_lifecycle::playback
