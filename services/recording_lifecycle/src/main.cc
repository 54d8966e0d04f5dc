// The recording-lifecycle binary: flags/env -> Config -> command. Wiring only.

#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/startup.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and signals reach sigwait.
  shopcast::server::BlockShutdownSignals();
  auto start = shopcast::startup::Begin("recording-lifecycle", argc, argv,
                                        shopcast::recording_lifecycle::LoadConfig);
  if (!start) return 2;
  namespace rl = shopcast::recording_lifecycle;
  if (start->command == "serve") return rl::RunServer(start->config);
  if (start->command == "migrate") return rl::RunMigrate(start->config);
  std::cerr << "recording-lifecycle: unknown command '" << start->command
            << "' (serve | migrate)\n";
  return 2;
}
