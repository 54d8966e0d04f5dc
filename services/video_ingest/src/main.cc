// The video-ingest binary: flags/env -> Config -> command. Wiring only.

#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "shopcast/config/flags.h"
#include "shopcast/server/host.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and signals reach sigwait.
  shopcast::server::BlockShutdownSignals();
  auto args = shopcast::config::ParseFlagsWithEnv("video-ingest", argc, argv);
  if (!args.ok()) {
    std::cerr << "video-ingest: " << args.status().message() << "\n";
    return 2;
  }
  auto config = shopcast::video_ingest::LoadConfig();
  if (!config.ok()) {
    std::cerr << "video-ingest: bad configuration: " << config.status().message() << "\n";
    return 2;
  }
  std::string command = args->size() > 1 ? (*args)[1] : "serve";
  if (command == "serve") return shopcast::video_ingest::RunServer(*config);
  if (command == "migrate") return shopcast::video_ingest::RunMigrate(*config);
  std::cerr << "video-ingest: unknown command '" << command << "' (serve | migrate)\n";
  return 2;
}
