// The realtime-push binary: flags/env -> Config -> command. Wiring only.

#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/startup.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and signals reach sigwait.
  shopcast::server::BlockShutdownSignals();
  auto start =
      shopcast::startup::Begin("realtime-push", argc, argv, shopcast::realtime_push::LoadConfig);
  if (!start) return 2;
  if (start->command == "serve") return shopcast::realtime_push::RunServer(start->config);
  if (start->command == "migrate") return shopcast::realtime_push::RunMigrate(start->config);
  std::cerr << "realtime-push: unknown command '" << start->command << "' (serve | migrate)\n";
  return 2;
}
