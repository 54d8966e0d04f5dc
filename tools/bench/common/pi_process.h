#pragma once

// The product-inventory release binary as a child of a benchmark, configured from
// SHOPCAST_PRODUCT_INVENTORY_* like in Kubernetes: ports 0 (read back from its server_started
// line), its mTLS credential from a tools/dev-pki folder, the run's public key, log level info.

#include <memory>
#include <string>

#include "shopcast/testing/process.h"

namespace shopcast::bench {

struct PiProcessOptions {
  std::string binary;
  std::string dsn;
  std::string pki_dir;   // with ca.pem, product-inventory.pem and .key
  std::string work_dir;  // its page-token key is written here
  std::string verify_key_file;
  std::string log_file;
  int pool = 32;     // DB_POOL_SIZE
  int workers = 32;  // STOCK_BATCHER_WORKERS
};

std::unique_ptr<testing::ChildProcess> StartProductInventory(const PiProcessOptions& o);

}  // namespace shopcast::bench
