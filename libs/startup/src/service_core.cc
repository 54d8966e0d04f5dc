#include "shopcast/startup/service_core.h"

#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"

namespace shopcast::startup {

absl::StatusOr<std::unique_ptr<ServiceCore>> ServiceCore::Create(const ServiceConfig& config,
                                                                 ServiceCoreOptions options) {
  std::unique_ptr<ServiceCore> core(new ServiceCore());
  auto verify_keys = LoadVerifyKeys(config.verify_key_files);
  if (!verify_keys.ok()) return AtStep("verify_keys", verify_keys.status());
  core->verifier = std::make_unique<auth::TokenVerifier>(*verify_keys, config.token_issuer,
                                                         config.token_audience);
  if (options.page_tokens) {
    auto page_tokens = LoadPageTokens(config.page_token_key_file);
    if (!page_tokens.ok()) return AtStep("page_token_key", page_tokens.status());
    core->page_tokens = *std::move(page_tokens);
  }
  auto tls = auth::LoadServiceTls(config.service_tls);
  if (!tls.ok()) return AtStep("service_tls", tls.status());
  core->tls = *std::move(tls);
  RETURN_IF_ERROR(
      AtStep("migrate", db::ApplyMigrationsWhenReachable(config.db_dsn, options.migrations)));
  auto pool = db::Pool::Create(db::PoolOptions{
      config.db_dsn, config.db_pool_size + options.extra_connections, absl::Seconds(5),
      std::move(options.statements), "shopcast-" + options.service});
  if (!pool.ok()) return AtStep("db_pool", pool.status());
  core->pool = *std::move(pool);

  server::HostOptions host_options = HostOptionsFor(options.service, config, core->tls);
  if (options.host_options) options.host_options(host_options);
  core->host = std::make_unique<server::ServiceHost>(host_options);
  // Ready while the database answers: every call of these services needs it. Work that went
  // through the pool since the last check is answer enough; only a quiet replica probes.
  db::Pool* raw_pool = core->pool.get();
  core->host->SetReadinessCheck(
      [raw_pool, within = host_options.readiness_interval] { return raw_pool->Ping(within); });

  auto revocation_sync = MakeRevocationSync(config, core->tls, core->revoked, core->metrics());
  if (!revocation_sync.ok()) return AtStep("user_internal_addr", revocation_sync.status());
  core->revocation_sync = *std::move(revocation_sync);
  if (options.outbox) {
    OutboxDelivery::SinkFactory custom_sink;
    if (options.custom_sink) {
      custom_sink = [make = std::move(options.custom_sink), tls = &core->tls](
                        const std::string& destination, const std::string& addr) {
        return make(destination, addr, *tls);
      };
    }
    auto outbox = OutboxDelivery::Create(*core->pool, config.event_sinks, core->tls,
                                         core->metrics(), custom_sink);
    if (!outbox.ok()) return AtStep("event_sinks", outbox.status());
    core->outbox = *std::move(outbox);
  }
  return core;
}

ServiceCore::~ServiceCore() { StopSupport(); }

void ServiceCore::StartSupport() {
  if (started_) return;
  started_ = true;
  if (revocation_sync) {
    (void)revocation_sync->SyncOnce();  // a failure is logged; the loop keeps trying
    revocation_sync->Start();
  }
  if (outbox) outbox->Start();
}

void ServiceCore::StopSupport() {
  if (!started_) return;
  started_ = false;
  if (outbox) outbox->Stop();
  if (revocation_sync) revocation_sync->Stop();
}

}  // namespace shopcast::startup
