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
#include "rtmp/codec_check.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest::rtmp {

struct RtmpOptions {
  std::string listen_address = "0.0.0.0";
  uint16_t port = 1935;  // 0: an ephemeral port (tests); see RtmpServer::port().
  int io_threads = 1;
  int admission_threads = 2;  // Admit() blocks on the database.
  std::string app = "live";   // rtmp://host/<app>/<stream key>
  // Every connection. When all are taken, a newcomer evicts the oldest connection that has not
  // presented a key yet, or is closed at once if there is none (connection_table.h).
  size_t max_connections = 1000;
  // Connections not admitted yet (handshake, connect, waiting to publish), in total and per
  // source IP: a newcomer past the total evicts the oldest of them; past its address's share it
  // is closed at once. Admitted publishers do not count here.
  size_t max_pending_connections = 200;
  size_t max_pending_per_address = 16;
  std::chrono::milliseconds handshake_timeout{5000};  // From accept to a complete handshake.
  std::chrono::milliseconds publish_timeout{10000};   // From accept to an admitted publish.
  std::chrono::milliseconds idle_timeout{10000};      // Without a byte, once publishing.
  ChunkLimits chunk_limits;                           // Once admitted.
  // Before admission a client only sends a few small commands; these bound what an
  // unauthenticated connection can make us hold (about 140 KiB with the read buffer, so
  // max_pending_connections of them stay under 30 MiB).
  ChunkLimits pending_chunk_limits{.max_chunk_size = 64 * 1024,
                                   .max_message_bytes = 64 * 1024,
                                   .max_chunk_streams = 8,
                                   .max_pending_bytes = 64 * 1024};
  // What the codec check on the first media takes (HEVC input: CodecCheckOptions::Hevc).
  CodecCheckOptions codecs;
  uint32_t out_chunk_size = 4096;      // Our outgoing chunk size, announced on connect.
  uint32_t window_ack_size = 2500000;  // Announced to the peer; also our ack window by default.
  // Batched reads of publishing connections: once a connection publishes and its byte rate has
  // been measured (over a second), its socket's SO_RCVLOWAT is set to about this much of that
  // rate (capped at 64 KiB), so the I/O thread wakes once per that many bytes instead of at
  // every TCP segment the encoder sends (about 70 a second at 2.5 Mbit/s). Handshake, commands,
  // EOF and errors are not delayed (the mark is 1 until publishing; EOF and errors wake
  // regardless). 0 turns it off.
  std::chrono::milliseconds read_batch{30};
  // The bound on what batching adds: a publishing connection not read for this long has its
  // mark dropped to 1 (the kernel signals at once when bytes are queued), so the bytes of a
  // stream whose bitrate fell wait at most about this long (each connection's own timer, moved
  // at every read, so it fires only for a connection that went quiet); the read that follows
  // sets half the old mark, until the next rate window.
  std::chrono::milliseconds read_batch_max_delay{100};
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
