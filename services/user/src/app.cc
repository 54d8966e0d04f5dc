#include "app.h"

#include <iostream>

#include "accounts.h"
#include "internal_service.h"
#include "passwords.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/events/outbox.h"
#include "shopcast/log/log.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/server/host.h"
#include "shopcast/startup/service_parts.h"
#include "shopcast/startup/startup.h"
#include "shopcast/status/status.h"
#include "shopcast/text/lookalike.h"
#include "store/sql.h"
#include "store/user_store.h"
#include "user_service.h"

namespace shopcast::db::embedded {
const MigrationSet& userMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::user {
namespace {

using startup::Fail;

absl::Status Migrate(const Config& config) {
  return db::ApplyMigrationsWhenReachable(
      config.db_dsn, {&db::embedded::userMigrations(), &events::OutboxMigrations()});
}

absl::StatusOr<std::unique_ptr<db::Pool>> OpenPool(const Config& config) {
  return db::Pool::Create(db::PoolOptions{config.db_dsn, config.db_pool_size, absl::Seconds(5),
                                          sql::PreparedStatements(), "shopcast-user"});
}

}  // namespace

int RunMigrate(const Config& config) {
  return startup::RunMigrate(config.db_dsn,
                             {&db::embedded::userMigrations(), &events::OutboxMigrations()});
}

int RunServer(const Config& config) {
  auto key = auth::LoadSigningKeyFile(config.signing_key_file);
  if (!key.ok()) return Fail("signing_key", key.status());
  auto verify_keys = startup::LoadVerifyKeys(config.verify_key_files, {auth::PublicKeyOf(*key)});
  if (!verify_keys.ok()) return Fail("verify_keys", verify_keys.status());
  if (config.page_token_key_file.empty()) {
    return Fail("page_token_key", absl::InvalidArgumentError("page_token_key_file is required"));
  }
  auto page_tokens = pagetoken::LoadKeyFile(config.page_token_key_file);
  if (!page_tokens.ok()) return Fail("page_token_key", page_tokens.status());
  if (absl::Status s = Migrate(config); !s.ok()) return Fail("migrate", s);
  auto pool = OpenPool(config);
  if (!pool.ok()) return Fail("db_pool", pool.status());
  UserStore store(**pool);
  // Usernames from before look-alike keys existed get theirs now, before anyone can register.
  auto filled = store.FillMissingLookalikes(
      [](absl::string_view username) { return text::LookalikeKey(username); });
  if (!filled.ok()) return Fail("username_lookalikes", filled.status());
  if (*filled > 0) log::Info("username_lookalikes_filled").Kv("count", *filled);
  auto tls = auth::LoadServiceTls(config.service_tls);
  if (!tls.ok()) return Fail("service_tls", tls.status());

  ConcurrencyLimit hashing(config.max_concurrent_hashes, absl::Seconds(5));
  PasswordHasher hasher(HashCost{}, &hashing);
  auth::TokenIssuer issuer(*key, config.token_issuer, config.token_audience,
                           config.access_token_ttl);
  auth::TokenVerifier verifier(*verify_keys, config.token_issuer, config.token_audience);
  AccountsOptions options;
  options.refresh_ttl = config.refresh_token_ttl;
  options.page_tokens = *std::move(page_tokens);
  options.registration_throttle.free_failures = config.registrations_per_address;
  options.password_reset_ttl = config.password_reset_ttl;
  options.password_resets_per_hour = config.password_resets_per_hour;
  options.email_verification_ttl = config.email_verification_ttl;
  options.email_verifications_per_hour = config.email_verifications_per_hour;
  Accounts accounts(store, hasher, issuer, options);

  server::HostOptions host_options;
  host_options.service_name = "user";
  host_options.grpc_addr = config.grpc_addr;
  host_options.metrics_addr = config.metrics_addr;
  host_options.executor_threads = config.db_pool_size;
  host_options.drain_timeout = config.drain_timeout;
  host_options.unready_delay = config.shutdown_unready_delay;
  host_options.internal_grpc_addr = config.internal_grpc_addr;
  host_options.internal_credentials = auth::InternalServerCredentials(*tls);
  server::ServiceHost host(host_options);
  // Password-reset e-mails go to realtime-push as events (it owns e-mail).
  auto delivery = startup::OutboxDelivery::Create(**pool, config.event_sinks, *tls, &host.metrics(),
                                                  nullptr, config.outbox_retain_delivered);
  if (!delivery.ok()) return Fail("event_sinks", delivery.status());
  // Our own handlers honour revocations too, read straight from our database.
  auth::RevocationList revoked;
  // Other services' long polls of ListRevocations are held here and let go after each pull of
  // our own list: a revocation reaches them within one revocation_sync_interval.
  RevocationWaits revocation_waits;
  auth::RevocationSyncOptions revocation_options;
  revocation_options.interval = config.revocation_sync_interval;
  revocation_options.on_pulled = [&revocation_waits](int64_t last) {
    revocation_waits.Advance(last, absl::Now());
  };
  auth::RevocationSync revocation_sync(revoked,
                                       auth::ImmediateRevocationSource([&accounts](int64_t after) {
                                         return accounts.ListRevocations(after, 1000);
                                       }),
                                       revocation_options, &host.metrics());
  (void)revocation_sync.SyncOnce();
  revocation_sync.Start();
  UserServiceImpl service(accounts, verifier, *verify_keys, config.token_issuer,
                          config.token_audience, host.executor(), absl::Now, &revoked);
  UserInternalServiceImpl internal_service(accounts, host.executor(),
                                           config.follower_contacts_peers, &revocation_waits);
  // UserService on the internal listener too, for the gateway: there (and only from the peer
  // `gateway`) the client's address in x-shopcast-client-address counts for throttling.
  UserServiceImpl service_for_gateway(accounts, verifier, *verify_keys, config.token_issuer,
                                      config.token_audience, host.executor(), absl::Now, &revoked);
  host.AddService(&service);
  host.AddInternalService(&internal_service);
  host.AddInternalService(&service_for_gateway);
  db::Pool* raw_pool = pool->get();
  host.SetReadinessCheck([raw_pool] { return raw_pool->Ping(); });
  if (absl::Status s = host.Start(); !s.ok()) return Fail("listen", s);
  (*delivery)->Start();

  host.WaitForShutdown();
  // Held long polls are answered now (and new ones at once), so they do not hold the drain.
  revocation_waits.Close();
  // Objects above were built dependencies-first; the host drains calls before they go away.
  host.Shutdown();
  (*delivery)->Stop();
  revocation_sync.Stop();
  return 0;
}

int RunCreateUser(const Config& config, const std::vector<std::string>& args) {
  if (args.size() != 3) {
    std::cerr << "usage: user create-user <username> <email> <viewer|host|admin> < password\n";
    return 2;
  }
  auto role = auth::ParseRole(args[2]);
  if (!role) {
    std::cerr << "user: role must be viewer, host or admin\n";
    return 2;
  }
  std::string password;
  std::getline(std::cin, password);
  if (absl::Status s = Migrate(config); !s.ok()) return Fail("migrate", s);
  auto pool = OpenPool(config);
  if (!pool.ok()) return Fail("db_pool", pool.status());
  auto key = auth::LoadSigningKeyFile(config.signing_key_file);
  if (!key.ok()) return Fail("signing_key", key.status());
  PasswordHasher hasher;
  auth::TokenIssuer issuer(*key, config.token_issuer, config.token_audience,
                           config.access_token_ttl);
  UserStore store(**pool);
  auto filled = store.FillMissingLookalikes(
      [](absl::string_view username) { return text::LookalikeKey(username); });
  if (!filled.ok()) return Fail("username_lookalikes", filled.status());
  Accounts accounts(store, hasher, issuer, AccountsOptions{});
  // No client address: an operator at the console is not registration-limited.
  RegisterInput input{args[0], args[1], password, "", *role, ""};
  input.email_verified = true;  // the operator vouches for the address: no confirmation e-mail
  auto user = accounts.Register(input);
  if (!user.ok()) {
    std::cerr << "user: cannot create " << args[0] << ": " << user.status().message() << "\n";
    return absl::IsAlreadyExists(user.status()) ? 3 : 1;
  }
  std::cout << user->id << "\n";
  return 0;
}

}  // namespace shopcast::user
