#pragma once

// The notifications area's Prometheus metrics. Every method is a no-op without a registry.

#include <cstdint>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace shopcast::realtime_push::notify {

class NotifyMetrics {
 public:
  explicit NotifyMetrics(prometheus::Registry* registry);

  void Created(int64_t n);
  void SetPendingFanouts(int64_t n);
  void EmailSent();
  void EmailFailed();
  void EmailRetried();
  // Sent, but no reply came: not resent, counted apart.
  void EmailOutcomeUnknown(int64_t n = 1);
  void SubscriberCut();

 private:
  prometheus::Counter* created_ = nullptr;
  prometheus::Gauge* pending_fanouts_ = nullptr;
  prometheus::Counter* sent_ = nullptr;
  prometheus::Counter* failed_ = nullptr;
  prometheus::Counter* retried_ = nullptr;
  prometheus::Counter* unknown_ = nullptr;
  prometheus::Counter* cut_ = nullptr;
};

}  // namespace shopcast::realtime_push::notify
