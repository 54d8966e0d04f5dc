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
#include "shopcast/log/log.h"
#include "shopcast/server/host.h"
#include "shopcast/status/status.h"
#include "store/sql.h"
#include "store/user_store.h"
#include "user_service.h"

namespace shopcast::db::embedded {
const MigrationSet& userMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::user {
namespace {

absl::Status Migrate(const Config& config) {
  return db::ApplyMigrationsWhenReachable(config.db_dsn, {&db::embedded::userMigrations()});
}

absl::StatusOr<std::unique_ptr<db::Pool>> OpenPool(const Config& config) {
  return db::Pool::Create(db::PoolOptions{config.db_dsn, config.db_pool_size, absl::Seconds(5),
                                          sql::PreparedStatements(), "shopcast-user"});
}

absl::StatusOr<std::vector<auth::PublicKey>> LoadVerifyKeys(const Config& config,
                                                            const auth::SigningKey& current) {
  std::vector<auth::PublicKey> keys = {auth::PublicKey{current.kid, current.public_pem}};
  for (const std::string& path : config.verify_key_files) {
    ASSIGN_OR_RETURN(auth::PublicKey key, auth::LoadPublicKeyFile(path));
    keys.push_back(std::move(key));
  }
  return keys;
}

int Fail(absl::string_view what, const absl::Status& s) {
  log::Error("startup_failed").Kv("step", what).Kv("detail", std::string(s.message()));
  return 1;
}

}  // namespace

int RunMigrate(const Config& config) {
  log::Configure(config.log_level, "user");
  absl::Status s = Migrate(config);
  if (!s.ok()) return Fail("migrate", s);
  log::Info("migrations_applied");
  return 0;
}

int RunServer(const Config& config) {
  log::Configure(config.log_level, "user");
  auto key = auth::LoadSigningKeyFile(config.signing_key_file);
  if (!key.ok()) return Fail("signing_key", key.status());
  auto verify_keys = LoadVerifyKeys(config, *key);
  if (!verify_keys.ok()) return Fail("verify_keys", verify_keys.status());
  if (absl::Status s = Migrate(config); !s.ok()) return Fail("migrate", s);
  auto pool = OpenPool(config);
  if (!pool.ok()) return Fail("db_pool", pool.status());
  auto tls = auth::LoadServiceTls(config.service_tls);
  if (!tls.ok()) return Fail("service_tls", tls.status());

  PasswordHasher hasher;
  auth::TokenIssuer issuer(*key, config.token_issuer, config.token_audience,
                           config.access_token_ttl);
  auth::TokenVerifier verifier(*verify_keys, config.token_issuer, config.token_audience);
  UserStore store(**pool);
  AccountsOptions options;
  options.refresh_ttl = config.refresh_token_ttl;
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
  // Our own handlers honour revocations too, read straight from our database.
  auth::RevocationList revoked;
  auth::RevocationSync revocation_sync(
      revoked, [&accounts](int64_t after) { return accounts.ListRevocations(after, 1000); },
      {config.revocation_sync_interval}, &host.metrics());
  (void)revocation_sync.SyncOnce();
  revocation_sync.Start();
  UserServiceImpl service(accounts, verifier, *verify_keys, config.token_issuer,
                          config.token_audience, host.executor(), absl::Now, &revoked);
  UserInternalServiceImpl internal_service(accounts, host.executor());
  host.AddService(&service);
  host.AddInternalService(&internal_service);
  db::Pool* raw_pool = pool->get();
  host.SetReadinessCheck([raw_pool] { return raw_pool->Ping(); });
  if (absl::Status s = host.Start(); !s.ok()) return Fail("listen", s);

  host.WaitForShutdown();
  // Objects above were built dependencies-first; the host drains calls before they go away.
  host.Shutdown();
  revocation_sync.Stop();
  return 0;
}

int RunCreateUser(const Config& config, const std::vector<std::string>& args) {
  log::Configure(config.log_level, "user");
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
  Accounts accounts(store, hasher, issuer, AccountsOptions{});
  auto user = accounts.Register(RegisterInput{args[0], args[1], password, "", *role});
  if (!user.ok()) {
    std::cerr << "user: cannot create " << args[0] << ": " << user.status().message() << "\n";
    return absl::IsAlreadyExists(user.status()) ? 3 : 1;
  }
  std::cout << user->id << "\n";
  return 0;
}

}  // namespace shopcast::user
