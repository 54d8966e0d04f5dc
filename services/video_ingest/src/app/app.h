#pragma once

// The video-ingest binary's commands. Each returns the process exit code.

#include "app/config.h"

namespace shopcast::video_ingest {

// Applies migrations; serves gRPC, RTMP, SRT and HLS until SIGTERM/SIGINT; then ends live
// sessions cleanly (their streams wait in RECONNECTING for a new replica) and drains.
int RunServer(const Config& config);

// Applies migrations and exits.
int RunMigrate(const Config& config);

}  // namespace shopcast::video_ingest
