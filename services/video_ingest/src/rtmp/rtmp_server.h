#pragma once

// The RTMP publish server: accepts encoders (OBS, ffmpeg, GStreamer), runs the handshake and
// command flow, checks the stream key through PublishAdmission and hands the media on as FLV.
// Asynchronous (C++20 coroutines on Asio): many connections per I/O thread; the blocking
// admission runs on a separate small pool.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "publish/publish.h"
#include "rtmp/chunk_stream.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest::rtmp {

struct RtmpOptions {
  std::string listen_address = "0.0.0.0";
  uint16_t port = 1935;  // 0: an ephemeral port (tests); see RtmpServer::port().
  int io_threads = 1;
  int admission_threads = 2;                          // Admit() blocks on the database.
  std::string app = "live";                           // rtmp://host/<app>/<stream key>
  size_t max_connections = 1000;                      // Accepts beyond this are closed at once.
  std::chrono::milliseconds handshake_timeout{5000};  // From accept to a complete handshake.
  std::chrono::milliseconds publish_timeout{10000};   // From accept to an admitted publish.
  std::chrono::milliseconds idle_timeout{10000};      // Without a byte, once publishing.
  ChunkLimits chunk_limits;
  uint32_t out_chunk_size = 4096;      // Our outgoing chunk size, announced on connect.
  uint32_t window_ack_size = 2500000;  // Announced to the peer; also our ack window by default.
};

class RtmpServer {
 public:
  // `admission` must outlive the server.
  RtmpServer(RtmpOptions options, PublishAdmission& admission,
             prometheus::Registry* metrics = nullptr);
  ~RtmpServer();  // Stops.
  RtmpServer(const RtmpServer&) = delete;
  RtmpServer& operator=(const RtmpServer&) = delete;

  // Binds and listens, then serves on the I/O threads. UNAVAILABLE/RTMP_LISTEN_FAILED if the
  // address cannot be bound, INVALID_ARGUMENT for a bad address or option. Call once.
  absl::Status Start();

  // The bound port (the ephemeral one when options.port is 0); 0 before Start.
  uint16_t port() const;

  // Closes the listener and every connection (media sessions get Close), waits for in-flight
  // admissions, joins all threads. Idempotent; not from an I/O thread or a MediaSession call.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shopcast::video_ingest::rtmp
