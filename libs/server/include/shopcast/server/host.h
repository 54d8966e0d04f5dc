#pragma once

// Everything a Shopcast service binary needs around its gRPC services: the server on the
// callback API, the blocking-work executor, health (readiness and liveness), reflection,
// metrics on their own port, per-RPC observability, an internal listener for service-to-service
// RPCs, and a graceful drain.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "shopcast/server/executor.h"
#include "shopcast/server/interceptor.h"

namespace shopcast::server {

// Health service names: "" is readiness (NOT_SERVING while a dependency such as the database
// is unreachable, and while draining); "liveness" is SERVING for as long as the process runs.
inline constexpr char kLivenessService[] = "liveness";

struct HostOptions {
  std::string service_name;  // e.g. "user"; labels logs
  std::string grpc_addr;     // "0.0.0.0:50051"; port 0 picks a free one
  std::string metrics_addr;  // "0.0.0.0:9090"; empty disables the exposer
  // The internal listener: internal services (AddInternalService) and health only, never the
  // public ones, with `internal_credentials` (auth::InternalServerCredentials: mutual TLS) on
  // every call. Both are required once an internal service is added.
  std::string internal_grpc_addr;  // "0.0.0.0:50052"; port 0 picks a free one
  std::shared_ptr<grpc::ServerCredentials> internal_credentials;
  int executor_threads = 8;   // sized to the database pool
  int executor_queue = 1024;  // waiting tasks beyond which calls are refused
  absl::Duration drain_timeout = absl::Seconds(20);
  // After a shutdown request: readiness NOT_SERVING at once, calls still served this long so
  // load balancers stop routing here, then the drain.
  absl::Duration unready_delay = absl::ZeroDuration();
  absl::Duration readiness_interval = absl::Seconds(2);
  int max_receive_message_bytes = 4 * 1024 * 1024;
};

class ServiceHost {
 public:
  explicit ServiceHost(HostOptions options);
  ~ServiceHost();  // Runs Shutdown().
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  prometheus::Registry& metrics() { return *registry_; }
  // The per-RPC metrics and access log of both listeners; a long stream's method can be
  // observed by its handler instead (interceptor.h: ObserveInHandler, ObservedCall).
  ObservabilityInterceptorFactory& observability() { return *observability_; }
  Executor& executor() { return executor_; }

  // Registers a public service before Start(); the host does not own it.
  void AddService(grpc::Service* service);
  // Registers an internal-only service before Start(): served only on the internal listener.
  void AddInternalService(grpc::Service* service);
  // `check` is polled every readiness_interval; a non-OK result makes readiness NOT_SERVING.
  void SetReadinessCheck(std::function<absl::Status()> check);

  // Binds and starts serving. Fails if a port cannot be bound.
  absl::Status Start();
  int grpc_port() const { return grpc_port_; }
  int internal_grpc_port() const { return internal_grpc_port_; }
  int metrics_port() const;

  // Blocks until SIGTERM/SIGINT arrives or RequestShutdown() is called; then turns readiness
  // NOT_SERVING and keeps serving for unready_delay (a second request ends the wait early)
  // before returning. The signals must have been blocked with BlockShutdownSignals() before
  // any thread started.
  void WaitForShutdown();
  // Thread-safe; any number of calls, from any thread. The second one cuts the unready delay.
  void RequestShutdown();

  // Drains: readiness NOT_SERVING (if WaitForShutdown has not done it), no new calls,
  // in-flight calls given drain_timeout to finish, then cancelled; executor joined. Idempotent.
  void Shutdown();

 private:
  void ReadinessLoop();
  void SetReadiness(bool ready);
  // Stops the readiness poller and turns readiness off for good. Idempotent.
  void GoUnready();
  int shutdown_requests() const;

  HostOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ObservabilityInterceptorFactory> observability_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  Executor executor_;
  std::vector<grpc::Service*> services_;
  std::vector<grpc::Service*> internal_services_;
  std::function<absl::Status()> readiness_check_;
  std::unique_ptr<grpc::CallbackGenericService> public_fallback_;
  std::unique_ptr<grpc::CallbackGenericService> internal_fallback_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> internal_server_;
  int grpc_port_ = 0;
  int internal_grpc_port_ = 0;
  // Counted rather than an absl::Notification: a second Notify() is fatal, and signals and
  // callers may request shutdown at the same time.
  mutable absl::Mutex request_mu_;
  int shutdown_requests_ ABSL_GUARDED_BY(request_mu_) = 0;
  bool readiness_stopped_ ABSL_GUARDED_BY(request_mu_) = false;
  // An eventfd RequestShutdown writes to, so WaitForShutdown needs no timer (-1: none could be
  // made; then it checks every second).
  int wake_fd_ = -1;
  std::thread readiness_thread_;
  absl::Mutex unready_mu_;
  bool unready_ ABSL_GUARDED_BY(unready_mu_) = false;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it later creates, so that
// ServiceHost::WaitForShutdown() receives them synchronously. Call first thing in main().
void BlockShutdownSignals();

}  // namespace shopcast::server
