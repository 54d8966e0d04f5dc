// The user service binary: flags/env -> Config -> command. Wiring only.

#include <iostream>

#include "app.h"
#include "config.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/startup.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and signals reach sigwait.
  shopcast::server::BlockShutdownSignals();
  auto start = shopcast::startup::Begin("user", argc, argv, shopcast::user::LoadConfig);
  if (!start) return 2;
  const std::string& command = start->command;
  if (command == "serve") return shopcast::user::RunServer(start->config);
  if (command == "migrate") return shopcast::user::RunMigrate(start->config);
  if (command == "create-user") return shopcast::user::RunCreateUser(start->config, start->args);
  std::cerr << "user: unknown command '" << command
            << "' (serve | migrate | create-user <username> <email> <role>)\n";
  return 2;
}
