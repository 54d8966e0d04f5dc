#include "shopcast/startup/service_parts.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shopcast/clients/internal.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::startup {

absl::Status AtStep(absl::string_view step, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(step, ": ", s.message()));
}

server::HostOptions HostOptionsFor(absl::string_view service, const ServiceConfig& config,
                                   const auth::ServiceTls& tls) {
  server::HostOptions o;
  o.service_name = std::string(service);
  o.grpc_addr = config.grpc_addr;
  o.metrics_addr = config.metrics_addr;
  o.executor_threads = config.db_pool_size;
  o.drain_timeout = config.drain_timeout;
  o.unready_delay = config.shutdown_unready_delay;
  o.internal_grpc_addr = config.internal_grpc_addr;
  o.internal_credentials = auth::InternalServerCredentials(tls);
  return o;
}

absl::StatusOr<std::unique_ptr<pagetoken::Codec>> LoadPageTokens(const std::string& key_file) {
  if (key_file.empty()) return absl::InvalidArgumentError("page_token_key_file is required");
  ASSIGN_OR_RETURN(pagetoken::Codec codec, pagetoken::LoadKeyFile(key_file));
  return std::make_unique<pagetoken::Codec>(std::move(codec));
}

absl::StatusOr<std::unique_ptr<auth::RevocationSync>> MakeRevocationSync(
    const ServiceConfig& config, const auth::ServiceTls& tls, auth::RevocationList& revoked,
    prometheus::Registry* metrics, bool required) {
  if (config.user_internal_addr.empty() && !required) return nullptr;
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                   clients::MakeInternalChannel("user", config.user_internal_addr, tls));
  auth::RevocationSyncOptions options;
  options.interval = config.revocation_sync_interval;
  options.long_poll = config.revocation_long_poll;
  return std::make_unique<auth::RevocationSync>(
      revoked, clients::UserRevocationSource(std::move(channel)), options, metrics);
}

absl::StatusOr<std::unique_ptr<OutboxDelivery>> OutboxDelivery::Create(
    db::Pool& pool, const std::map<std::string, std::string>& sinks, const auth::ServiceTls& tls,
    prometheus::Registry* metrics, const SinkFactory& custom_sink,
    absl::Duration retain_delivered) {
  std::unique_ptr<OutboxDelivery> d(new OutboxDelivery());
  if (sinks.empty()) return d;
  std::map<std::string, events::Sink*> by_destination;
  for (const auto& [destination, addr] : sinks) {
    std::unique_ptr<events::Sink> sink;
    if (custom_sink) {
      ASSIGN_OR_RETURN(sink, custom_sink(destination, addr));
    }
    if (sink == nullptr) {
      // Peers serve EventSink on their internal listener only: present our certificate.
      ASSIGN_OR_RETURN(sink, events::GrpcSink::ToInternalListener(destination, addr, tls));
    }
    by_destination[destination] = sink.get();
    d->sinks_.push_back(std::move(sink));
  }
  events::RelayOptions relay_options;
  // A failed round is retried with backoff; the log line is how an operator learns of it.
  relay_options.on_error = [](const absl::Status& s) {
    log::Warn("outbox_delivery_failed")
        .Kv("code", absl::StatusCodeToString(s.code()))
        .Kv("reason", ReasonOf(s))
        .Kv("detail", std::string(s.message()));
  };
  relay_options.metrics = metrics;
  relay_options.retain_delivered = retain_delivered;
  // Purged at least as often as they may be kept, and never more than every 10 s.
  relay_options.purge_interval =
      std::max(absl::Seconds(10), std::min(relay_options.purge_interval, retain_delivered));
  d->relay_ =
      std::make_unique<events::Relay>(pool, std::move(by_destination), std::move(relay_options));
  return d;
}

OutboxDelivery::~OutboxDelivery() { Stop(); }

void OutboxDelivery::Start() {
  if (relay_) relay_->Start();
}

void OutboxDelivery::Stop() {
  if (relay_) relay_->Stop();
}

}  // namespace shopcast::startup
