#pragma once

// The HTTP server's Prometheus series (see server.h). Without a registry every call does
// nothing.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace shopcast::gateway::http {

class ServerMetrics {
 public:
  explicit ServerMetrics(prometheus::Registry* registry);

  void Request(absl::string_view area, unsigned status, absl::Duration elapsed);
  void Rejected(absl::string_view reason);
  void ConnectionOpened();
  void ConnectionClosed();
  void BytesReceived(uint64_t n);
  void BytesSent(uint64_t n);
  void Handover();

 private:
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* duration_ = nullptr;
  prometheus::Family<prometheus::Counter>* rejected_ = nullptr;
  prometheus::Gauge* connections_ = nullptr;
  prometheus::Counter* received_ = nullptr;
  prometheus::Counter* sent_ = nullptr;
  prometheus::Counter* handovers_ = nullptr;
};

}  // namespace shopcast::gateway::http
