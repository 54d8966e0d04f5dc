#pragma once

// What every data-owning service with areas (order, product-inventory, realtime-push,
// recording-lifecycle) builds from its ServiceConfig before its first area, in the order each
// needs the last: token verification, page tokens, the internal mTLS identity, migrations, the
// database pool, the listeners, the revocation sync and the outbox relay, readiness tied to the
// database. Built in one place so the services cannot drift apart in how they start.
//
//   ASSIGN_OR_RETURN(p->core, startup::ServiceCore::Create(config, {.service = "order", ...}));
//   ... areas, using p->core->pool, p->core->host, p->core->verifier ...
//   Start: p->core->StartSupport(); areas' loops; p->core->host->Start().
//   Stop:  p->core->host->Shutdown(); areas' loops; p->core->StopSupport().

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/sink.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/service_config.h"
#include "shopcast/startup/service_parts.h"

namespace shopcast::startup {

struct ServiceCoreOptions {
  // The service's name: its listeners' metrics and the database connections' application_name
  // ("shopcast-<service>").
  std::string service;
  // Applied before the pool is opened (waiting for the database to be reachable).
  std::vector<const db::MigrationSet*> migrations;
  // Prepared on every pooled connection.
  std::vector<std::pair<std::string, std::string>> statements;
  // Connections beyond the executor's threads (db_pool_size): one per background loop that
  // holds one while it works (the relay's rounds, sweepers, recovery).
  int extra_connections = 0;
  // A service whose lists page with sealed tokens needs page_token_key_file.
  bool page_tokens = true;
  // A service that emits events relays its outbox to the configured event sinks.
  bool outbox = true;
  // A sink other than the peer's EventSink for some destination (nullptr: the default).
  std::function<absl::StatusOr<std::unique_ptr<events::Sink>>(
      const std::string& destination, const std::string& addr, const auth::ServiceTls& tls)>
      custom_sink;
  // Adjusts the listeners' options before the host is made (a larger message bound, say).
  std::function<void(server::HostOptions&)> host_options;
};

class ServiceCore {
 public:
  // Each failure names its step ("migrate: …", "db_pool: …").
  static absl::StatusOr<std::unique_ptr<ServiceCore>> Create(const ServiceConfig& config,
                                                             ServiceCoreOptions options);
  ~ServiceCore();
  ServiceCore(const ServiceCore&) = delete;
  ServiceCore& operator=(const ServiceCore&) = delete;

  prometheus::Registry* metrics() { return &host->metrics(); }
  server::Executor& executor() { return host->executor(); }

  // Before the areas' loops: revocations pulled once (tokens revoked while no replica ran are
  // refused from the first call), then kept in sync; the outbox relay, so what the first calls
  // commit goes out.
  void StartSupport();
  // After the host's drain and the areas' loops: what the drained calls committed is still
  // delivered by the next replica's relay if this one stops first.
  void StopSupport();

  // Declared in dependency order: members are destroyed in reverse, users before what they use.
  auth::ServiceTls tls;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<pagetoken::Codec> page_tokens;  // null unless options.page_tokens
  std::unique_ptr<db::Pool> pool;
  std::unique_ptr<server::ServiceHost> host;
  auth::RevocationList revoked;
  std::unique_ptr<auth::RevocationSync> revocation_sync;  // null without user_internal_addr
  std::unique_ptr<OutboxDelivery> outbox;                 // null unless options.outbox

 private:
  ServiceCore() = default;
  bool started_ = false;
};

}  // namespace shopcast::startup
