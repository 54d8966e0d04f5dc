#include "common/pi_process.h"

#include <fstream>
#include <vector>

namespace shopcast::bench {

std::unique_ptr<testing::ChildProcess> StartProductInventory(const PiProcessOptions& o) {
  const std::string p = "SHOPCAST_PRODUCT_INVENTORY_";
  std::ofstream(o.work_dir + "/page-token.key")
      << "a page-token key of more than thirty-two bytes\n";
  return std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{o.binary, "serve"},
      std::vector<std::string>{p + "GRPC_ADDR=127.0.0.1:0", p + "METRICS_ADDR=127.0.0.1:0",
                               p + "INTERNAL_GRPC_ADDR=127.0.0.1:0",
                               p + "SERVICE_CA_FILE=" + o.pki_dir + "/ca.pem",
                               p + "SERVICE_CERT_FILE=" + o.pki_dir + "/product-inventory.pem",
                               p + "SERVICE_KEY_FILE=" + o.pki_dir + "/product-inventory.key",
                               p + "DB_DSN=" + o.dsn, p + "DB_POOL_SIZE=" + std::to_string(o.pool),
                               p + "STOCK_BATCHER_WORKERS=" + std::to_string(o.workers),
                               p + "VERIFY_KEY_FILES=" + o.verify_key_file,
                               p + "PAGE_TOKEN_KEY_FILE=" + o.work_dir + "/page-token.key",
                               p + "DRAIN_TIMEOUT=5s", p + "LOG_LEVEL=info"},
      o.log_file);
}

}  // namespace shopcast::bench
