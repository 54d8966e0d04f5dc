#include "app/app.h"

#include "rooms/event_sink_service.h"
#include "rooms/feed_hub.h"
#include "rooms/internal_service.h"
#include "rooms/retention.h"
#include "rooms/room_log.h"
#include "rooms/room_service.h"
#include "rooms/room_sql.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/clients/internal.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/inbox.h"
#include "shopcast/log/log.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"

namespace shopcast::db::embedded {
const MigrationSet& realtime_pushMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::realtime_push {
namespace {

using startup::Fail;

std::vector<const db::MigrationSet*> MigrationSets() {
  return {&db::embedded::realtime_pushMigrations(), &events::InboxMigrations()};
}

}  // namespace

int RunMigrate(const Config& config) { return startup::RunMigrate(config.db_dsn, MigrationSets()); }

int RunServer(const Config& config) {
  auto verify_keys = startup::LoadVerifyKeys(config.verify_key_files);
  if (!verify_keys.ok()) return Fail("verify_keys", verify_keys.status());
  auto tls = auth::LoadServiceTls(config.service_tls);
  if (!tls.ok()) return Fail("service_tls", tls.status());
  if (absl::Status s = db::ApplyMigrationsWhenReachable(config.db_dsn, MigrationSets()); !s.ok()) {
    return Fail("migrate", s);
  }
  // One connection more than the executor's threads: the feeds' loads and the handlers share
  // the executor, and retention runs beside them.
  auto pool = db::Pool::Create(db::PoolOptions{config.db_dsn, config.db_pool_size + 1,
                                               absl::Seconds(5), rooms::sql::PreparedStatements(),
                                               "shopcast-realtime-push"});
  if (!pool.ok()) return Fail("db_pool", pool.status());

  server::HostOptions host_options;
  host_options.service_name = "realtime-push";
  host_options.grpc_addr = config.grpc_addr;
  host_options.metrics_addr = config.metrics_addr;
  host_options.executor_threads = config.db_pool_size;
  host_options.drain_timeout = config.drain_timeout;
  host_options.unready_delay = config.shutdown_unready_delay;
  host_options.internal_grpc_addr = config.internal_grpc_addr;
  host_options.internal_credentials = auth::InternalServerCredentials(*tls);
  server::ServiceHost host(host_options);

  // Revocations reach this service from the user service; until the first sync, tokens are
  // honoured and shopcast_revocations_stale says so.
  std::unique_ptr<auth::RevocationSync> revocation_sync;
  auth::RevocationList revoked;
  if (!config.user_internal_addr.empty()) {
    auto user_channel = clients::MakeInternalChannel("user", config.user_internal_addr, *tls);
    if (!user_channel.ok()) return Fail("user_internal_addr", user_channel.status());
    revocation_sync = std::make_unique<auth::RevocationSync>(
        revoked, clients::UserRevocationSource(*user_channel),
        auth::RevocationSyncOptions{config.revocation_sync_interval}, &host.metrics());
    (void)revocation_sync->SyncOnce();
    revocation_sync->Start();
  }

  rooms::RoomLog log(**pool);
  rooms::FeedHub hub(log, host.executor(), config.db_dsn,
                     rooms::FeedOptions{config.feed_ring, 512, absl::Seconds(1)}, &host.metrics());
  rooms::Retention retention(
      log, rooms::RetentionOptions{config.retain_events, config.retain_age, config.purge_interval});
  rooms::SubscribeOptions subscribe_options;
  subscribe_options.max_lag = config.max_subscriber_lag;
  subscribe_options.keep_alive = config.keep_alive;
  rooms::RoomServiceImpl room_service(hub, subscribe_options, &host.metrics());
  rooms::InternalServiceImpl internal_service(hub, host.executor());
  rooms::EventSinkService event_sink(**pool, hub, host.executor());
  host.AddService(&room_service);
  host.AddInternalService(&internal_service);
  host.AddInternalService(&event_sink);
  db::Pool* raw_pool = pool->get();
  host.SetReadinessCheck([raw_pool] { return raw_pool->Ping(); });

  // Consumers of the log first, then the listeners that feed them.
  hub.Start();
  retention.Start();
  if (absl::Status s = host.Start(); !s.ok()) return Fail("listen", s);
  log::Info("serving")
      .Kv("grpc_port", host.grpc_port())
      .Kv("internal_grpc_port", host.internal_grpc_port());

  host.WaitForShutdown();
  // Subscribers resume elsewhere at once rather than wait out the drain.
  hub.CloseAll(Error(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
                     "this replica is shutting down; resume from your last sequence"));
  host.Shutdown();
  retention.Stop();
  hub.Stop();
  if (revocation_sync) revocation_sync->Stop();
  return 0;
}

}  // namespace shopcast::realtime_push
