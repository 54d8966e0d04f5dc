// The user service binary: flags/env -> Config -> command. Wiring only.

#include <iostream>

#include "app.h"
#include "config.h"
#include "shopcast/config/flags.h"
#include "shopcast/server/host.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and signals reach sigwait.
  shopcast::server::BlockShutdownSignals();
  auto args = shopcast::config::ParseFlagsWithEnv("user", argc, argv);
  if (!args.ok()) {
    std::cerr << "user: " << args.status().message() << "\n";
    return 2;
  }
  auto config = shopcast::user::LoadConfig();
  if (!config.ok()) {
    std::cerr << "user: bad configuration: " << config.status().message() << "\n";
    return 2;
  }
  std::string command = args->size() > 1 ? (*args)[1] : "serve";
  std::vector<std::string> rest(args->begin() + std::min<size_t>(2, args->size()), args->end());
  if (command == "serve") return shopcast::user::RunServer(*config);
  if (command == "migrate") return shopcast::user::RunMigrate(*config);
  if (command == "create-user") return shopcast::user::RunCreateUser(*config, rest);
  std::cerr << "user: unknown command '" << command
            << "' (serve | migrate | create-user <username> <email> <role>)\n";
  return 2;
}
