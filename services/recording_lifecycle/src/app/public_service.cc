#include "app/public_service.h"

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

}  // namespace shopcast::recording_lifecycle
