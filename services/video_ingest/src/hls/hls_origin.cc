#include "hls/hls_origin.h"

#include <sys/stat.h>

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "hls/responder.h"
#include "shopcast/http_files/server.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::hls {

class HlsOrigin::Impl {
 public:
  Impl(HlsOriginOptions options, prometheus::Registry* registry, const PlaybackAccess* access,
       PlaylistWatch* watch, media::ThumbnailSource* thumbnails)
      : options_(std::move(options)),
        responder_(std::make_shared<Responder>(options_, access, registry, watch, thumbnails)),
        server_(ServerOptionsOf(options_), responder_, registry) {}

  absl::Status Start() {
    struct stat st {};
    if (options_.root.empty() || ::stat(options_.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Error(absl::StatusCode::kFailedPrecondition, "HLS_ROOT_MISSING",
                   absl::StrCat("HLS root is not a directory: '", options_.root, "'"), "root");
    }
    RETURN_IF_ERROR(server_.Start());
    log::Info("hls_origin_started")
        .Kv("port", static_cast<int>(server_.port()))
        .Kv("root", options_.root);
    return absl::OkStatus();
  }
  uint16_t port() const { return server_.port(); }
  void Stop() {
    // Parked requests first, while the I/O threads still run to send their answers: after
    // this nothing outside the server refers to a connection.
    if (server_.port() != 0) responder_->StopParking(options_.shutdown_grace);
    server_.Stop();
  }

 private:
  static http_files::ServerOptions ServerOptionsOf(const HlsOriginOptions& o) {
    http_files::ServerOptions s;
    s.listen_address = o.listen_address;
    s.port = o.port;
    s.io_threads = o.io_threads;
    s.max_connections = o.max_connections;
    s.header_timeout = o.header_timeout;
    s.idle_timeout = o.idle_timeout;
    s.write_timeout = o.write_timeout;
    s.max_header_bytes = o.max_header_bytes;
    s.max_body_bytes = o.max_body_bytes;
    // hls_http_requests_total{code, kind}, ...; HLS_LISTEN_FAILED, HLS_BAD_OPTIONS.
    s.metrics_prefix = "hls_http";
    s.reason_prefix = "HLS";
    return s;
  }

  const HlsOriginOptions options_;
  const std::shared_ptr<Responder> responder_;
  http_files::Server server_;
};

HlsOrigin::HlsOrigin(HlsOriginOptions options, prometheus::Registry* registry,
                     const PlaybackAccess* access, PlaylistWatch* watch,
                     media::ThumbnailSource* thumbnails)
    : impl_(std::make_unique<Impl>(std::move(options), registry, access, watch, thumbnails)) {}

HlsOrigin::~HlsOrigin() { Stop(); }

absl::Status HlsOrigin::Start() { return impl_->Start(); }

uint16_t HlsOrigin::port() const { return impl_->port(); }

void HlsOrigin::Stop() { impl_->Stop(); }

}  // namespace shopcast::video_ingest::hls
