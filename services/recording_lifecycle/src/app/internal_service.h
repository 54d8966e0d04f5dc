#pragma once

// The internal RecordingLifecycleInternalService, served only on the internal listener to
// callers with a service certificate (next to the EventSink). Like PublicService it only
// routes; its RPCs (GetPlaylist, ResolveSegment: playback; RunAgingPass: tiers) come with
// those areas, and answer UNIMPLEMENTED until an area is wired.

#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"

namespace shopcast::recording_lifecycle {

struct InternalAreas {
  // ---- area internal handlers (one line each) ----
};

class InternalService : public v1::RecordingLifecycleInternalService::CallbackService {
 public:
  explicit InternalService(InternalAreas areas) : areas_(areas) {}

 private:
  [[maybe_unused]] InternalAreas areas_;
};

}  // namespace shopcast::recording_lifecycle
