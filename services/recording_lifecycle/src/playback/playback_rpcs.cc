#include "playback/playback_rpcs.h"

#include <optional>

#include "absl/time/clock.h"
#include "shopcast/auth/caller.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

namespace shopcast::recording_lifecycle::playback {

grpc::ServerUnaryReactor* PlaybackRpcs::GetPlaybackUrl(grpc::CallbackServerContext* ctx,
                                                       const v1::GetPlaybackUrlRequest* request,
                                                       v1::GetPlaybackUrlResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, ctx, request, response]() -> absl::Status {
    std::optional<auth::Caller> caller;
    // Public: anonymous callers see SAVED recordings; a token, when sent, must be valid.
    if (ctx->client_metadata().find("authorization") != ctx->client_metadata().end()) {
      ASSIGN_OR_RETURN(caller, auth::AuthenticateCaller(*ctx, verifier_, revoked_, absl::Now()));
    }
    ASSIGN_OR_RETURN(*response, playback_.GetPlaybackUrl(caller, *request, absl::Now()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PlaybackRpcs::GetPlaylist(grpc::CallbackServerContext* ctx,
                                                    const v1::GetPlaylistRequest* request,
                                                    v1::GetPlaylistResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, playback_.GetPlaylist(*request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* PlaybackRpcs::ResolveSegment(grpc::CallbackServerContext* ctx,
                                                       const v1::ResolveSegmentRequest* request,
                                                       v1::ResolveSegmentResponse* response) {
  return server::RunBlocking(ctx, executor_, [this, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, playback_.ResolveSegment(*request, absl::Now()));
    return absl::OkStatus();
  });
}

}  // namespace shopcast::recording_lifecycle::playback
