#include "app/app.h"

#include <utility>
#include <vector>

#include "app/event_sink_service.h"
#include "app/internal_service.h"
#include "app/public_service.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/inbox.h"
#include "shopcast/events/outbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/log/log.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/startup/service_parts.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"

// ---- area headers ----
#include "markers/marker_store.h"
#include "markers/orphan_watch.h"
#include "recordings/recording_events.h"
#include "recordings/recordings.h"
#include "recordings/recordings_rpcs.h"

namespace shopcast::db::embedded {
const MigrationSet& recording_lifecycleMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::recording_lifecycle {
namespace {

using startup::AtStep;

std::vector<const db::MigrationSet*> MigrationSets() {
  return {&db::embedded::recording_lifecycleMigrations(), &events::OutboxMigrations(),
          &events::InboxMigrations()};
}

}  // namespace

// Declared in dependency order: members are destroyed in reverse, users before what they use.
struct App::Parts {
  Config config;
  auth::ServiceTls tls;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<pagetoken::Codec> page_tokens;
  std::unique_ptr<db::Pool> pool;
  std::unique_ptr<server::ServiceHost> host;
  auth::RevocationList revoked;
  std::unique_ptr<auth::RevocationSync> revocation_sync;
  std::unique_ptr<startup::OutboxDelivery> outbox;

  // ---- area parts: markers ----
  std::unique_ptr<markers::MarkerEvents> marker_events;
  std::unique_ptr<markers::OrphanWatch> orphan_watch;
  // ---- area parts: recordings ----
  std::unique_ptr<recordings::RecordingEvents> recording_events;
  std::unique_ptr<recordings::Recordings> recordings;
  std::unique_ptr<recordings::RecordingsRpcs> recordings_rpcs;

  std::unique_ptr<EventSinkService> event_sink;
  std::unique_ptr<PublicService> public_service;
  std::unique_ptr<InternalService> internal_service;
};

absl::StatusOr<std::unique_ptr<App>> App::Create(const Config& config,
                                                 const AppOverrides& overrides) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  auto verify_keys = startup::LoadVerifyKeys(config.verify_key_files);
  if (!verify_keys.ok()) return AtStep("verify_keys", verify_keys.status());
  p->verifier = std::make_unique<auth::TokenVerifier>(*verify_keys, config.token_issuer,
                                                      config.token_audience);
  auto page_tokens = startup::LoadPageTokens(config.page_token_key_file);
  if (!page_tokens.ok()) return AtStep("page_token_key", page_tokens.status());
  p->page_tokens = *std::move(page_tokens);
  auto tls = auth::LoadServiceTls(config.service_tls);
  if (!tls.ok()) return AtStep("service_tls", tls.status());
  p->tls = *std::move(tls);
  RETURN_IF_ERROR(
      AtStep("migrate", db::ApplyMigrationsWhenReachable(config.db_dsn, MigrationSets())));
  // One connection beyond the executor's threads for the relay's rounds, one for the orphan
  // report.
  auto pool = db::Pool::Create(db::PoolOptions{config.db_dsn, config.db_pool_size + 2,
                                               absl::Seconds(5), {}, "shopcast-recording-lifecycle"});
  if (!pool.ok()) return AtStep("db_pool", pool.status());
  p->pool = *std::move(pool);

  p->host = std::make_unique<server::ServiceHost>(
      startup::HostOptionsFor("recording-lifecycle", config, p->tls));
  prometheus::Registry* metrics = &p->host->metrics();
  server::Executor& executor = p->host->executor();

  auto revocation_sync = startup::MakeRevocationSync(config, p->tls, p->revoked, metrics);
  if (!revocation_sync.ok()) return AtStep("user_internal_addr", revocation_sync.status());
  p->revocation_sync = *std::move(revocation_sync);
  auto outbox = startup::OutboxDelivery::Create(*p->pool, config.event_sinks, p->tls, metrics);
  if (!outbox.ok()) return AtStep("event_sinks", outbox.status());
  p->outbox = *std::move(outbox);

  std::function<std::string(absl::string_view)> new_id =
      overrides.new_id ? overrides.new_id
                       : [](absl::string_view prefix) { return ids::NewId(prefix); };

  // ---- area wiring: markers ----
  p->marker_events = std::make_unique<markers::MarkerEvents>(new_id, metrics);
  p->orphan_watch = std::make_unique<markers::OrphanWatch>(
      *p->pool, config.orphan_grace, config.integrity_interval, metrics);
  // ---- area wiring: recordings ----
  p->recording_events =
      std::make_unique<recordings::RecordingEvents>(new_id, *p->marker_events, metrics);
  p->recordings = std::make_unique<recordings::Recordings>(*p->pool, *p->page_tokens);
  p->recordings_rpcs = std::make_unique<recordings::RecordingsRpcs>(
      *p->recordings, *p->verifier, &p->revoked, executor);

  p->event_sink = std::make_unique<EventSinkService>(*p->pool, executor, *p->recording_events,
                                                     *p->marker_events, metrics);
  PublicAreas areas;
  // ---- area routes ----
  areas.recordings = p->recordings_rpcs.get();
  InternalAreas internal_areas;
  // ---- area internal routes ----

  p->public_service = std::make_unique<PublicService>(areas);
  p->internal_service = std::make_unique<InternalService>(internal_areas);
  p->host->AddService(p->public_service.get());
  p->host->AddInternalService(p->event_sink.get());
  p->host->AddInternalService(p->internal_service.get());
  db::Pool* raw_pool = p->pool.get();
  p->host->SetReadinessCheck([raw_pool] { return raw_pool->Ping(); });
  return std::unique_ptr<App>(new App(std::move(p)));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

App::~App() { Stop(); }

absl::Status App::Start() {
  Parts& p = *parts_;
  if (p.revocation_sync) {
    (void)p.revocation_sync->SyncOnce();
    p.revocation_sync->Start();
  }
  // The relay first: what the events commit goes out from the first call on.
  p.outbox->Start();
  // ---- area start ----
  p.orphan_watch->Start();
  return p.host->Start();
}

void App::Stop() {
  if (stopped_) return;
  stopped_ = true;
  Parts& p = *parts_;
  p.host->Shutdown();
  // ---- area stop ----
  p.orphan_watch->Stop();
  // Last: what the drained calls committed is still delivered by the next replica's relay.
  p.outbox->Stop();
  if (p.revocation_sync) p.revocation_sync->Stop();
}

server::ServiceHost& App::host() { return *parts_->host; }

markers::OrphanWatch& App::orphan_watch() { return *parts_->orphan_watch; }

int RunMigrate(const Config& config) { return startup::RunMigrate(config.db_dsn, MigrationSets()); }

int RunServer(const Config& config) {
  auto app = App::Create(config);
  if (!app.ok()) return startup::Fail("start", app.status());
  if (absl::Status s = (*app)->Start(); !s.ok()) return startup::Fail("listen", s);
  log::Info("serving")
      .Kv("grpc_port", (*app)->host().grpc_port())
      .Kv("internal_grpc_port", (*app)->host().internal_grpc_port())
      .Kv("hot_root", config.hot_root);
  (*app)->host().WaitForShutdown();
  (*app)->Stop();
  return 0;
}

}  // namespace shopcast::recording_lifecycle
