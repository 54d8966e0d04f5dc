#pragma once

// The internal RecordingLifecycleInternalService, served only on the internal listener to
// callers with a service certificate (next to the EventSink). Like PublicService it only
// routes; its RPCs (GetPlaylist, ResolveSegment: playback; RunAgingPass: tiers) come with
// those areas, and answer UNIMPLEMENTED until an area is wired.

#include "app/public_service.h"
#include "playback/playback_rpcs.h"
#include "policies/tiers_rpcs.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"

namespace shopcast::recording_lifecycle {

struct InternalAreas {
  // ---- area internal handlers (one line each) ----
  playback::PlaybackRpcs* playback = nullptr;    // GetPlaylist, ResolveSegment
  policies::AgingInternalRpcs* aging = nullptr;  // RunAgingPass, DryRunAgingPass
};

class InternalService : public v1::RecordingLifecycleInternalService::CallbackService {
 public:
  explicit InternalService(InternalAreas areas) : areas_(areas) {}

  SHOPCAST_RL_UNARY(GetPlaylist);
  SHOPCAST_RL_UNARY(ResolveSegment);
  SHOPCAST_RL_UNARY(RunAgingPass);
  SHOPCAST_RL_UNARY(DryRunAgingPass);

 private:
  InternalAreas areas_;
};

}  // namespace shopcast::recording_lifecycle
