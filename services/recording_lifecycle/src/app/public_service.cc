#include "app/public_service.h"

#include "app/internal_service.h"
#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

// Defines PublicService::Method as a call of `area`'s Method, or UNIMPLEMENTED when the App
// wired no such area.
#define SHOPCAST_RL_FORWARD(Service, area, Method)                                               \
  grpc::ServerUnaryReactor* Service::Method(grpc::CallbackServerContext* ctx,                    \
                                            const v1::Method##Request* request,                  \
                                            v1::Method##Response* response) {                    \
    if (areas_.area == nullptr) {                                                                \
      return server::FinishNow(                                                                  \
          ctx, Error(absl::StatusCode::kUnimplemented, "NOT_SERVED", #Method " is not served")); \
    }                                                                                            \
    return areas_.area->Method(ctx, request, response);                                          \
  }

namespace shopcast::recording_lifecycle {

// ---- recordings ----
SHOPCAST_RL_FORWARD(PublicService, recordings, GetRecording)
SHOPCAST_RL_FORWARD(PublicService, recordings, ListRecordings)
SHOPCAST_RL_FORWARD(PublicService, recordings, ListMoments)
SHOPCAST_RL_FORWARD(PublicService, recordings, SaveOrDelete)
SHOPCAST_RL_FORWARD(PublicService, recordings, UpdateRecording)

// ---- playback ----
SHOPCAST_RL_FORWARD(PublicService, playback, GetPlaybackUrl)

// ---- tiers ----
SHOPCAST_RL_FORWARD(PublicService, tiers, GetAgingPolicy)
SHOPCAST_RL_FORWARD(PublicService, tiers, ListAgingPolicies)
SHOPCAST_RL_FORWARD(PublicService, tiers, CreateAgingPolicy)
SHOPCAST_RL_FORWARD(PublicService, tiers, UpdateAgingPolicy)
SHOPCAST_RL_FORWARD(PublicService, tiers, MoveRecording)
SHOPCAST_RL_FORWARD(PublicService, tiers, SetLegalHold)

// ---- clips and thumbnails ----
SHOPCAST_RL_FORWARD(PublicService, clips, CreateClip)
SHOPCAST_RL_FORWARD(PublicService, clips, GetClip)
SHOPCAST_RL_FORWARD(PublicService, clips, ListClips)
SHOPCAST_RL_FORWARD(PublicService, clips, DeleteClip)
SHOPCAST_RL_FORWARD(PublicService, clips, ListThumbnails)
SHOPCAST_RL_FORWARD(PublicService, clips, SetPrimaryThumbnail)

// ---- internal ----
SHOPCAST_RL_FORWARD(InternalService, playback, GetPlaylist)
SHOPCAST_RL_FORWARD(InternalService, playback, ResolveSegment)
SHOPCAST_RL_FORWARD(InternalService, aging, RunAgingPass)
SHOPCAST_RL_FORWARD(InternalService, aging, DryRunAgingPass)

}  // namespace shopcast::recording_lifecycle
