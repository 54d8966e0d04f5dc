#pragma once

// The order release binary as a child of the benchmark, configured from SHOPCAST_ORDER_* like
// in Kubernetes: ports 0 (read back from its server_started line), its mTLS credential (CN=order)
// from the tools/dev-pki folder product-inventory's comes from, product-inventory's internal
// listener, the run's public key, the simulated payment provider, log level info. No event
// sinks: its outbox keeps the events (realtime-push is not part of this benchmark).

#include <memory>
#include <string>

#include "shopcast/testing/process.h"

namespace shopcast::bench::checkout {

struct OrderProcessOptions {
  std::string binary;
  std::string dsn;
  std::string pki_dir;  // with ca.pem, order.pem and order.key
  std::string work_dir;
  std::string verify_key_file;
  std::string product_inventory_addr;  // "127.0.0.1:<internal port>"
  std::string log_file;
  int pool = 8;  // DB_POOL_SIZE: connections, and the threads sagas run on
};

std::unique_ptr<testing::ChildProcess> StartOrder(const OrderProcessOptions& o);

}  // namespace shopcast::bench::checkout
