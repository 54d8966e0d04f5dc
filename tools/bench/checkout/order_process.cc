#include "order_process.h"

#include <fstream>
#include <vector>

namespace shopcast::bench::checkout {

std::unique_ptr<testing::ChildProcess> StartOrder(const OrderProcessOptions& o) {
  const std::string p = "SHOPCAST_ORDER_";
  const std::string page_key = o.work_dir + "/order-page-token.key";
  std::ofstream(page_key) << "an order page-token key of more than thirty-two bytes\n";
  return std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{o.binary, "serve"},
      std::vector<std::string>{
          p + "GRPC_ADDR=127.0.0.1:0", p + "METRICS_ADDR=127.0.0.1:0",
          p + "INTERNAL_GRPC_ADDR=127.0.0.1:0", p + "SERVICE_CA_FILE=" + o.pki_dir + "/ca.pem",
          p + "SERVICE_CERT_FILE=" + o.pki_dir + "/order.pem",
          p + "SERVICE_KEY_FILE=" + o.pki_dir + "/order.key", p + "DB_DSN=" + o.dsn,
          p + "DB_POOL_SIZE=" + std::to_string(o.pool), p + "VERIFY_KEY_FILES=" + o.verify_key_file,
          p + "PAGE_TOKEN_KEY_FILE=" + page_key,
          p + "PRODUCT_INVENTORY_ADDR=" + o.product_inventory_addr,
          // Required at start; the bench buys no access pass, so nothing calls it.
          p + "VIDEO_INGEST_ADDR=127.0.0.1:1", p + "DRAIN_TIMEOUT=5s", p + "LOG_LEVEL=info"},
      o.log_file);
}

}  // namespace shopcast::bench::checkout
