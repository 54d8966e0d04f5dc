#include "rtmp/rtmp_server_metrics.h"

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace shopcast::video_ingest::rtmp {

RtmpServerMetrics::RtmpServerMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  connections_ = &prometheus::BuildGauge()
                      .Name("rtmp_connections")
                      .Help("Open RTMP connections (handshaking, connected or publishing).")
                      .Register(*registry)
                      .Add({});
  bytes_received_ = &prometheus::BuildCounter()
                         .Name("rtmp_bytes_received_total")
                         .Help("Bytes received from RTMP clients, handshake included.")
                         .Register(*registry)
                         .Add({});
  reads_ = &prometheus::BuildCounter()
                .Name("rtmp_reads_total")
                .Help("Socket reads of RTMP connections (each one wake-up's worth of bytes).")
                .Register(*registry)
                .Add({});
  read_batch_flushes_ =
      &prometheus::BuildCounter()
           .Name("rtmp_read_batch_flushes_total")
           .Help(
               "Publishing connections read early because their bytes stayed below the "
               "low-water mark for rtmp_read_batch_max_delay.")
           .Register(*registry)
           .Add({});
  pending_bytes_ = &prometheus::BuildGauge()
                        .Name("rtmp_pending_buffered_bytes")
                        .Help("Bytes held for RTMP connections not admitted yet.")
                        .Register(*registry)
                        .Add({});
  auto& rejected = prometheus::BuildCounter()
                       .Name("rtmp_connections_rejected_total")
                       .Help("RTMP connections refused or cut, by reason.")
                       .Register(*registry);
  for (const char* reason : kRejectReasons) rejected_[reason] = &rejected.Add({{"reason", reason}});
}

void RtmpServerMetrics::ConnectionOpened() {
  if (connections_ != nullptr) connections_->Increment();
}

void RtmpServerMetrics::ConnectionClosed() {
  if (connections_ != nullptr) connections_->Decrement();
}

void RtmpServerMetrics::Rejected(const std::string& reason) {
  if (rejected_.empty()) return;
  auto it = rejected_.find(reason);
  if (it == rejected_.end()) it = rejected_.find("other");
  it->second->Increment();
}

void RtmpServerMetrics::BytesReceived(size_t n) {
  if (bytes_received_ == nullptr) return;
  bytes_received_->Increment(static_cast<double>(n));
  reads_->Increment();
}

void RtmpServerMetrics::ReadBatchFlushed() {
  if (read_batch_flushes_ != nullptr) read_batch_flushes_->Increment();
}

void RtmpServerMetrics::PendingBytes(int64_t delta) {
  if (pending_bytes_ != nullptr) pending_bytes_->Increment(static_cast<double>(delta));
}

}  // namespace shopcast::video_ingest::rtmp
