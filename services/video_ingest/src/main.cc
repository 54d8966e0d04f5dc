// The video-ingest binary: flags/env -> Config -> command. Wiring only.

#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/startup.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and signals reach sigwait.
  shopcast::server::BlockShutdownSignals();
  auto start =
      shopcast::startup::Begin("video-ingest", argc, argv, shopcast::video_ingest::LoadConfig);
  if (!start) return 2;
  const std::string& command = start->command;
  if (command == "serve") return shopcast::video_ingest::RunServer(start->config);
  if (command == "migrate") return shopcast::video_ingest::RunMigrate(start->config);
  std::cerr << "video-ingest: unknown command '" << command << "' (serve | migrate)\n";
  return 2;
}
