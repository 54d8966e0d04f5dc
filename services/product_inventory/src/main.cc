// The product-inventory binary: flags/env -> Config -> command. Wiring only.

#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/startup.h"

int main(int argc, char** argv) {
  // Before any thread exists, so every thread inherits the mask and signals reach sigwait.
  shopcast::server::BlockShutdownSignals();
  auto start = shopcast::startup::Begin("product-inventory", argc, argv,
                                        shopcast::product_inventory::LoadConfig);
  if (!start) return 2;
  if (start->command == "serve") return shopcast::product_inventory::RunServer(start->config);
  if (start->command == "migrate") return shopcast::product_inventory::RunMigrate(start->config);
  std::cerr << "product-inventory: unknown command '" << start->command << "' (serve | migrate)\n";
  return 2;
}
