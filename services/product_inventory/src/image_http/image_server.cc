#include "image_http/image_server.h"

#include <utility>

#include "image_http/image_handler.h"
#include "image_http/image_path.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::image_http {

absl::StatusOr<std::unique_ptr<http_files::Server>> MakeImageServer(
    const ImageServerOptions& options, prometheus::Registry* registry) {
  http_files::ServerOptions server;
  RETURN_IF_ERROR(http_files::SetListenAddress(options.http_addr, server));
  ASSIGN_OR_RETURN(std::string path_prefix, PathPrefixOf(options.image_url_prefix));
  server.max_connections = options.max_connections;
  // Requests are a line and a few headers; 8 KiB (the default) is plenty, and the session's
  // header, idle and write timeouts (10 s, 30 s, 30 s) are the library's.
  server.metrics_prefix = "product_inventory_image_http";
  server.reason_prefix = "IMAGE_HTTP";
  return std::make_unique<http_files::Server>(
      std::move(server), std::make_shared<ImageHandler>(options.image_root, std::move(path_prefix)),
      registry);
}

}  // namespace shopcast::product_inventory::image_http
