#include "shopcast/server/host.h"

#include <signal.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "shopcast/log/log.h"
#include "shopcast/server/interceptor.h"

namespace shopcast::server {

ServiceHost::ServiceHost(HostOptions options)
    : options_(std::move(options)),
      registry_(std::make_shared<prometheus::Registry>()),
      executor_(options_.executor_threads, options_.executor_queue) {}

ServiceHost::~ServiceHost() { Shutdown(); }

void ServiceHost::AddService(grpc::Service* service) { services_.push_back(service); }

void ServiceHost::SetReadinessCheck(std::function<absl::Status()> check) {
  readiness_check_ = std::move(check);
}

absl::Status ServiceHost::Start() {
  if (!options_.metrics_addr.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics_addr);
      exposer_->RegisterCollectable(registry_);
      exposer_->RegisterCollectable(log::Metrics());  // log_lines_dropped_total
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", options_.metrics_addr, ": ", e.what()));
    }
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.grpc_addr, grpc::InsecureServerCredentials(), &grpc_port_);
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  // Bounded headers: a token is at most 8 KiB, so 16 KiB of metadata is plenty; beyond it the
  // transport refuses the call before any handler runs.
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 16 * 1024);
  // Keepalive: notice dead clients, and refuse clients pinging more often than every 10s.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  for (grpc::Service* s : services_) builder.RegisterService(s);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<ObservabilityInterceptorFactory>(*registry_));
  builder.experimental().SetInterceptorCreators(std::move(factories));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.grpc_addr));
  }
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(kLivenessService, true);
  bool ready = !readiness_check_ || readiness_check_().ok();
  health->SetServingStatus("", ready);
  if (readiness_check_) readiness_thread_ = std::thread([this] { ReadinessLoop(); });
  log::Info("server_started")
      .Kv("grpc_port", grpc_port_)
      .Kv("metrics_port", metrics_port())
      .Kv("ready", ready);
  return absl::OkStatus();
}

int ServiceHost::metrics_port() const {
  if (exposer_ == nullptr) return 0;
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void ServiceHost::ReadinessLoop() {
  bool last = true;
  while (!shutdown_requested_.WaitForNotificationWithTimeout(options_.readiness_interval)) {
    absl::Status s = readiness_check_();
    if (s.ok() != last) {
      last = s.ok();
      auto line = last ? log::Info("readiness_changed") : log::Warn("readiness_changed");
      line.Kv("ready", last).Kv("detail", std::string(s.message()));
    }
    server_->GetHealthCheckService()->SetServingStatus("", last);
  }
}

void ServiceHost::WaitForShutdown() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  timespec tick{0, 200 * 1000 * 1000};
  while (!shutdown_requested_.HasBeenNotified()) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      log::Info("shutdown_signal").Kv("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      RequestShutdown();
    }
  }
}

void ServiceHost::RequestShutdown() {
  if (!shutdown_requested_.HasBeenNotified()) shutdown_requested_.Notify();
}

void ServiceHost::Shutdown() {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  RequestShutdown();
  if (readiness_thread_.joinable()) readiness_thread_.join();
  if (server_ != nullptr) {
    // Tell load balancers first, then stop accepting and let in-flight calls finish.
    server_->GetHealthCheckService()->SetServingStatus("", false);
    auto deadline = std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options_.drain_timeout);
    server_->Shutdown(deadline);
    server_->Wait();
  }
  executor_.Shutdown();
  log::Info("server_stopped");
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace shopcast::server
