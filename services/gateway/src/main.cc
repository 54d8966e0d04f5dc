// The gateway binary: flags/env -> Config -> serve. Wiring only.

#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/startup.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and signals reach sigwait.
  shopcast::server::BlockShutdownSignals();
  auto start = shopcast::startup::Begin("gateway", argc, argv, shopcast::gateway::LoadConfig);
  if (!start) return 2;
  if (start->command == "serve") return shopcast::gateway::RunServer(start->config);
  std::cerr << "gateway: unknown command '" << start->command << "' (serve)\n";
  return 2;
}
