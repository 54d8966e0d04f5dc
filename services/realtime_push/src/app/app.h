#pragma once

#include "app/config.h"

namespace shopcast::realtime_push {

// `serve`: migrate, then serve until SIGTERM/SIGINT; returns the exit code.
int RunServer(const Config& config);
// `migrate`: apply migrations and exit.
int RunMigrate(const Config& config);

}  // namespace shopcast::realtime_push
