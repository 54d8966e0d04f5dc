#pragma once

// The image origin: an http_files::Server with the ImageHandler, built from plain values (the
// App maps its Config onto them).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "shopcast/http_files/server.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::product_inventory::image_http {

struct ImageServerOptions {
  std::string http_addr;         // "host:port"; port 0 = ephemeral (read back Server::port()).
  std::string image_root;        // The rendition store's folder.
  std::string image_url_prefix;  // Rendition URL = prefix + key; its path is what is served.
  int max_connections = 1000;
};

// Metrics: product_inventory_image_http_requests_total{code, kind}, ..._bytes_sent_total,
// ..._connections. INVALID_ARGUMENT for a bad address or a prefix that cannot be served.
// Not started.
absl::StatusOr<std::unique_ptr<http_files::Server>> MakeImageServer(
    const ImageServerOptions& options, prometheus::Registry* registry);

}  // namespace shopcast::product_inventory::image_http
