#include "srt/srt_metrics.h"

namespace shopcast::video_ingest::srt {

SrtMetrics::SrtMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  connections_ = &prometheus::BuildGauge()
                      .Name("srt_connections")
                      .Help("SRT publisher connections, admitted or being admitted")
                      .Register(*registry)
                      .Add({});
  rejected_ = &prometheus::BuildCounter()
                   .Name("srt_connections_rejected_total")
                   .Help("SRT connections refused, by reason")
                   .Register(*registry);
  bytes_ = &prometheus::BuildCounter()
                .Name("srt_bytes_received_total")
                .Help("Media payload bytes received over SRT")
                .Register(*registry)
                .Add({});
  awake_ = &prometheus::BuildGauge()
                .Name("srt_port_awake")
                .Help("1 while libsrt serves the SRT port, 0 while it rests (no timers running)")
                .Register(*registry)
                .Add({});
  wakes_ = &prometheus::BuildCounter()
                .Name("srt_port_wakes_total")
                .Help("Times a datagram woke the resting SRT port")
                .Register(*registry)
                .Add({});
}

void SrtMetrics::ConnectionOpened() {
  if (connections_ != nullptr) connections_->Increment();
}

void SrtMetrics::ConnectionClosed() {
  if (connections_ != nullptr) connections_->Decrement();
}

void SrtMetrics::Rejected(const std::string& reason) {
  if (rejected_ != nullptr)
    rejected_->Add({{"reason", reason.empty() ? "UNKNOWN" : reason}}).Increment();
}

void SrtMetrics::BytesReceived(uint64_t bytes) {
  if (bytes_ != nullptr) bytes_->Increment(static_cast<double>(bytes));
}

void SrtMetrics::PortAwake() {
  if (awake_ != nullptr) awake_->Set(1);
  if (wakes_ != nullptr) wakes_->Increment();
}

void SrtMetrics::PortResting() {
  if (awake_ != nullptr) awake_->Set(0);
}

}  // namespace shopcast::video_ingest::srt
