#pragma once

// Prometheus metrics of one Server. Every method is a no-op without a registry, so the session
// never branches on whether metrics are wanted. Internal to the library.

#include <cstdint>
#include <string>
#include <string_view>

namespace prometheus {
class Counter;
class Gauge;
template <typename T>
class Family;
class Registry;
}  // namespace prometheus

namespace shopcast::http_files {

class ServerMetrics {
 public:
  // `registry` may be null; otherwise it must outlive this object.
  ServerMetrics(prometheus::Registry* registry, const std::string& prefix);

  // <prefix>_requests_total{code, kind}. Thread-safe, like the rest.
  void Request(unsigned code, std::string_view kind);
  // <prefix>_bytes_sent_total: bytes written to clients (headers and bodies).
  void BytesSent(uint64_t bytes);
  // <prefix>_connections: connections currently open.
  void ConnectionOpened();
  void ConnectionClosed();

 private:
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Counter* bytes_sent_ = nullptr;
  prometheus::Gauge* connections_ = nullptr;
};

}  // namespace shopcast::http_files
