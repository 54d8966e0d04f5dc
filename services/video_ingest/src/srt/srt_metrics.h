#pragma once

// The SRT listener's Prometheus metrics; every method is a no-op without a registry.

#include <cstdint>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace shopcast::video_ingest::srt {

class SrtMetrics {
 public:
  // Registers the metrics in `registry` (which must outlive this) when it is not null.
  explicit SrtMetrics(prometheus::Registry* registry);

  // srt_connections: accepted connections, admitted or still being admitted.
  void ConnectionOpened();
  void ConnectionClosed();
  // srt_connections_rejected_total{reason}: refusals in the handshake or at admission.
  void Rejected(const std::string& reason);
  // srt_bytes_received_total: payload bytes read from encoders.
  void BytesReceived(uint64_t bytes);
  // srt_port_awake: 1 while libsrt serves the port (from the first datagram until it rests);
  // srt_port_wakes_total: how often it was woken.
  void PortAwake();
  void PortResting();

 private:
  prometheus::Gauge* connections_ = nullptr;
  prometheus::Family<prometheus::Counter>* rejected_ = nullptr;
  prometheus::Counter* bytes_ = nullptr;
  prometheus::Gauge* awake_ = nullptr;
  prometheus::Counter* wakes_ = nullptr;
};

}  // namespace shopcast::video_ingest::srt
