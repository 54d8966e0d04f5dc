#include "shopcast/server/host.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "shopcast/log/log.h"
#include "shopcast/server/interceptor.h"

namespace shopcast::server {

namespace {

// Answers methods a listener does not serve (an internal method on the public port, or the
// reverse) with UNIMPLEMENTED and a message. gRPC's own empty UNIMPLEMENTED would be taken for
// a malformed request to a method our contracts define, and reported as INVALID_ARGUMENT.
class NotServedHere final : public grpc::CallbackGenericService {
 public:
  explicit NotServedHere(std::string listener) : listener_(std::move(listener)) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(const std::string& listener) {
        Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                            "method not served on the " + listener + " listener"));
      }
      void OnDone() override { delete this; }
    };
    return new Reactor(listener_);
  }

 private:
  std::string listener_;
};

// Hands both listeners' calls to the host's one factory (a builder owns the factories it is
// given), so a method observed in its handler is left alone on either listener.
class SharedFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit SharedFactory(ObservabilityInterceptorFactory& factory) : factory_(factory) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return factory_.CreateServerInterceptor(info);
  }

 private:
  ObservabilityInterceptorFactory& factory_;
};

// Settings both listeners share.
void Configure(grpc::ServerBuilder& builder, const HostOptions& options,
               ObservabilityInterceptorFactory& observability) {
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // Bounded headers: a token is at most 8 KiB, so 16 KiB of metadata is plenty; beyond it the
  // transport refuses the call before any handler runs.
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 16 * 1024);
  // Keepalive: notice dead clients, and refuse clients pinging more often than every 10s.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  // Connections end after ~5 minutes (GOAWAY; calls in flight and streams run on, no grace
  // limit): clients (dns:/// + round_robin) re-resolve then, so pods added by a scale-out get
  // their share of calls (gRPC does not poll DNS).
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 5 * 60 * 1000);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<SharedFactory>(observability));
  builder.experimental().SetInterceptorCreators(std::move(factories));
}

}  // namespace

ServiceHost::ServiceHost(HostOptions options)
    : options_(std::move(options)),
      registry_(std::make_shared<prometheus::Registry>()),
      observability_(std::make_unique<ObservabilityInterceptorFactory>(*registry_)),
      executor_(options_.executor_threads, options_.executor_queue),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ServiceHost::~ServiceHost() {
  Shutdown();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void ServiceHost::AddService(grpc::Service* service) { services_.push_back(service); }

void ServiceHost::AddInternalService(grpc::Service* service) {
  internal_services_.push_back(service);
}

void ServiceHost::SetReadinessCheck(std::function<absl::Status()> check) {
  readiness_check_ = std::move(check);
}

absl::Status ServiceHost::Start() {
  // Fail closed: internal services are never served without the service credential.
  if (!internal_services_.empty() &&
      (options_.internal_grpc_addr.empty() || options_.internal_credentials == nullptr)) {
    return absl::FailedPreconditionError(
        "internal services need an internal listener address and service credentials");
  }
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
  Configure(builder, options_, *observability_);
  for (grpc::Service* s : services_) builder.RegisterService(s);
  public_fallback_ = std::make_unique<NotServedHere>("public");
  builder.RegisterCallbackGenericService(public_fallback_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.grpc_addr));
  }
  if (!internal_services_.empty()) {
    grpc::ServerBuilder internal;
    internal.AddListeningPort(options_.internal_grpc_addr, options_.internal_credentials,
                              &internal_grpc_port_);
    Configure(internal, options_, *observability_);
    for (grpc::Service* s : internal_services_) internal.RegisterService(s);
    internal_fallback_ = std::make_unique<NotServedHere>("internal");
    internal.RegisterCallbackGenericService(internal_fallback_.get());
    internal_server_ = internal.BuildAndStart();
    if (internal_server_ == nullptr || internal_grpc_port_ == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.internal_grpc_addr));
    }
    internal_server_->GetHealthCheckService()->SetServingStatus(kLivenessService, true);
  }
  server_->GetHealthCheckService()->SetServingStatus(kLivenessService, true);
  bool ready = !readiness_check_ || readiness_check_().ok();
  SetReadiness(ready);
  if (readiness_check_) readiness_thread_ = std::thread([this] { ReadinessLoop(); });
  log::Info("server_started")
      .Kv("grpc_port", grpc_port_)
      .Kv("internal_grpc_port", internal_grpc_port_)
      .Kv("metrics_port", metrics_port())
      .Kv("ready", ready);
  return absl::OkStatus();
}

int ServiceHost::metrics_port() const {
  if (exposer_ == nullptr) return 0;
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

int ServiceHost::shutdown_requests() const {
  absl::MutexLock lock(&request_mu_);
  return shutdown_requests_;
}

void ServiceHost::SetReadiness(bool ready) {
  server_->GetHealthCheckService()->SetServingStatus("", ready);
  if (internal_server_ != nullptr) {
    internal_server_->GetHealthCheckService()->SetServingStatus("", ready);
  }
}

void ServiceHost::ReadinessLoop() {
  bool last = true;
  auto requested = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(request_mu_) {
    return shutdown_requests_ > 0 || readiness_stopped_;
  };
  while (true) {
    {
      absl::MutexLock lock(&request_mu_);
      if (request_mu_.AwaitWithTimeout(absl::Condition(&requested), options_.readiness_interval)) {
        return;
      }
    }
    absl::Status s = readiness_check_();
    if (s.ok() != last) {
      last = s.ok();
      auto line = last ? log::Info("readiness_changed") : log::Warn("readiness_changed");
      line.Kv("ready", last).Kv("detail", std::string(s.message()));
    }
    SetReadiness(last);
  }
}

void ServiceHost::GoUnready() {
  absl::MutexLock lock(&unready_mu_);
  if (unready_) return;
  unready_ = true;
  {
    // Ends the readiness poller, which must not turn readiness back on.
    absl::MutexLock requests(&request_mu_);
    readiness_stopped_ = true;
  }
  if (readiness_thread_.joinable()) readiness_thread_.join();
  if (server_ != nullptr) SetReadiness(false);
}

void ServiceHost::WaitForShutdown() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  // Signals (blocked by BlockShutdownSignals) through a signalfd and RequestShutdown through
  // wake_fd_, both waited on at once: no periodic wake-ups while the service runs. Without a
  // signalfd (no descriptor left) signals are looked for once a second instead.
  const int signals = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  using Clock = std::chrono::steady_clock;
  auto take_signal = [&](int sig) {
    if (sig != SIGTERM && sig != SIGINT) return;
    log::Info("shutdown_signal").Kv("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    RequestShutdown();
  };
  auto await_signal_or = [&](int requests, Clock::time_point until) {
    while (shutdown_requests() < requests) {
      const Clock::time_point now = Clock::now();
      if (now >= until) break;
      int timeout_ms = -1;
      if (until != Clock::time_point::max()) {
        timeout_ms = static_cast<int>(std::min<int64_t>(
            std::chrono::ceil<std::chrono::milliseconds>(until - now).count(), 1 << 30));
      }
      if (signals < 0 && (timeout_ms < 0 || timeout_ms > 1000)) timeout_ms = 1000;
      std::array<pollfd, 2> fds{pollfd{signals, POLLIN, 0}, pollfd{wake_fd_, POLLIN, 0}};
      if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;
      if ((fds[1].revents & POLLIN) != 0) {
        uint64_t ignored = 0;
        (void)!read(wake_fd_, &ignored, sizeof ignored);
      }
      if (signals >= 0) {
        signalfd_siginfo info{};
        while (read(signals, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
          take_signal(static_cast<int>(info.ssi_signo));
        }
      } else {
        const timespec now_only{0, 0};
        take_signal(sigtimedwait(&set, nullptr, &now_only));
      }
    }
  };
  await_signal_or(1, Clock::time_point::max());
  // Unready first, still serving: load balancers and endpoint lists need a moment to notice.
  GoUnready();
  if (options_.unready_delay > absl::ZeroDuration()) {
    log::Info("unready_before_drain").Kv("seconds", absl::ToDoubleSeconds(options_.unready_delay));
    await_signal_or(2, Clock::now() + absl::ToChronoMilliseconds(options_.unready_delay));
  }
  if (signals >= 0) close(signals);
}

void ServiceHost::RequestShutdown() {
  {
    absl::MutexLock lock(&request_mu_);
    ++shutdown_requests_;
  }
  const uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);  // Ends WaitForShutdown's wait.
}

void ServiceHost::Shutdown() {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  GoUnready();
  // Stop accepting and let in-flight calls finish, on both listeners, by one deadline.
  auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoMilliseconds(options_.drain_timeout);
  if (server_ != nullptr) server_->Shutdown(deadline);
  if (internal_server_ != nullptr) internal_server_->Shutdown(deadline);
  if (server_ != nullptr) server_->Wait();
  if (internal_server_ != nullptr) internal_server_->Wait();
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
