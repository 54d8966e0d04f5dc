#pragma once

// The RTMP server's Prometheus metrics. Every method is a no-op without a registry, so the
// server code never branches on whether metrics are wanted. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace shopcast::video_ingest::rtmp {

class RtmpServerMetrics {
 public:
  // Registers rtmp_connections, rtmp_connections_rejected_total{reason},
  // rtmp_bytes_received_total, rtmp_reads_total and rtmp_read_batch_flushes_total in
  // `registry`; nullptr disables metrics.
  explicit RtmpServerMetrics(prometheus::Registry* registry);

  void ConnectionOpened();
  void ConnectionClosed();
  // `reason` is one of kRejectReasons; anything else counts as "other".
  void Rejected(const std::string& reason);
  // One socket read of `n` bytes (rtmp_reads_total counts the reads: bytes over reads is what
  // each wake-up of the I/O thread found, see RtmpOptions::read_batch).
  void BytesReceived(size_t n);
  // The server lowered a quiet publisher's low-water mark (RtmpOptions::read_batch_max_delay).
  void ReadBatchFlushed();
  // Bytes held by connections not admitted yet (their chunk readers and read buffers) change by
  // `delta`: rtmp_pending_buffered_bytes.
  void PendingBytes(int64_t delta);

 private:
  prometheus::Gauge* connections_ = nullptr;
  prometheus::Counter* bytes_received_ = nullptr;
  prometheus::Counter* reads_ = nullptr;
  prometheus::Counter* read_batch_flushes_ = nullptr;
  prometheus::Gauge* pending_bytes_ = nullptr;
  std::map<std::string, prometheus::Counter*> rejected_;  // Filled once, read-only afterwards.
};

// Labels of rtmp_connections_rejected_total, created up front so every series exists from zero.
inline constexpr const char* kRejectReasons[] = {"max_connections",
                                                 "handshake_invalid",
                                                 "handshake_timeout",
                                                 "publish_timeout",
                                                 "idle_timeout",
                                                 "protocol_error",
                                                 "admission_refused",
                                                 "evicted",
                                                 "per_address_limit",
                                                 "unsupported_codec",
                                                 "other"};

}  // namespace shopcast::video_ingest::rtmp
