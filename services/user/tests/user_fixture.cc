#include "user_fixture.h"

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_join.h"
#include "shopcast/db/migrations.h"
#include "shopcast/events/outbox.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/net.h"
#include "store/sql.h"

namespace shopcast::db::embedded {
const MigrationSet& userMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::user::testing {

UserServiceFixture::UserServiceFixture(AccountsOptions options,
                                       std::optional<auth::ServiceTls> internal_tls)
    : db_(shopcast::testing::TestDatabase::Create()) {
  REQUIRE(
      db::ApplyMigrations(db_.dsn(), {&db::embedded::userMigrations(), &events::OutboxMigrations()})
          .ok());
  auto pool = db::Pool::Create(
      db::PoolOptions{db_.dsn(), 4, absl::Seconds(5), sql::PreparedStatements(), "user-test"});
  REQUIRE(pool.ok());
  pool_ = *std::move(pool);
  key_ = auth::GenerateSigningKey("test-key").value();
  issuer_ = std::make_unique<auth::TokenIssuer>(key_, kIssuer, kAudience, absl::Minutes(15));
  verifier_ = std::make_unique<auth::TokenVerifier>(
      std::vector<auth::PublicKey>{{key_.kid, key_.public_pem}}, kIssuer, kAudience);
  store_ = std::make_unique<UserStore>(*pool_);
  accounts_ = std::make_unique<Accounts>(*store_, hasher_, *issuer_, std::move(options));
  server::HostOptions o;
  o.service_name = "user";
  o.grpc_addr = "127.0.0.1:0";
  o.metrics_addr = "";  // the process test covers /metrics; the exposer takes 2 s to stop
  o.executor_threads = 4;
  o.drain_timeout = absl::Seconds(2);
  if (internal_tls) {
    o.internal_grpc_addr = "127.0.0.1:0";
    o.internal_credentials = auth::InternalServerCredentials(*internal_tls);
  }
  host_ = std::make_unique<server::ServiceHost>(o);
  service_ = std::make_unique<UserServiceImpl>(
      *accounts_, *verifier_, std::vector<auth::PublicKey>{{key_.kid, key_.public_pem}}, kIssuer,
      kAudience, host_->executor());
  host_->AddService(service_.get());
  if (internal_tls) {
    internal_service_ = std::make_unique<UserInternalServiceImpl>(
        *accounts_, host_->executor(), std::vector<std::string>{"realtime-push"},
        &revocation_waits_);
    host_->AddInternalService(internal_service_.get());
    // As the binary: UserService on the internal listener too (the gateway calls it there).
    service_for_gateway_ = std::make_unique<UserServiceImpl>(
        *accounts_, *verifier_, std::vector<auth::PublicKey>{{key_.kid, key_.public_pem}}, kIssuer,
        kAudience, host_->executor());
    host_->AddInternalService(service_for_gateway_.get());
  }
  host_->SetReadinessCheck([this] { return pool_->Ping(); });
  REQUIRE(host_->Start().ok());
  stub_ = v1::UserService::NewStub(shopcast::testing::LocalChannel(host_->grpc_port()));
}

UserServiceFixture::~UserServiceFixture() {
  revocation_waits_.Close();  // as the binary does before draining
  host_->Shutdown();
}

void UserServiceFixture::PullRevocations() {
  auth::RevocationSyncOptions options;
  options.on_pulled = [this](int64_t last) { revocation_waits_.Advance(last, absl::Now()); };
  auth::RevocationSync sync(own_revoked_, auth::ImmediateRevocationSource([this](int64_t after) {
                              return accounts_->ListRevocations(after, 1000);
                            }),
                            options, nullptr);
  REQUIRE(sync.SyncOnce().ok());
}

int64_t UserServiceFixture::Count(const std::string& table) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  return tx.exec1("SELECT count(*) FROM " + c.quote_name(table))[0].as<int64_t>();
}

std::vector<std::string> UserServiceFixture::KnownAddresses(const std::string& user_id) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  std::vector<std::string> out;
  for (const auto& row : tx.exec_params(
           "SELECT address FROM login_known_addresses WHERE user_id = $1 ORDER BY address",
           user_id)) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}

std::vector<common::v1::Event> UserServiceFixture::OutboxEvents() {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  std::vector<common::v1::Event> out;
  for (const pqxx::row& r : tx.exec("SELECT destination, payload FROM outbox ORDER BY id")) {
    CHECK(r[0].as<std::string>() == "realtime_push");
    pqxx::binarystring bytes(r[1]);
    common::v1::Event e;
    REQUIRE(e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    out.push_back(std::move(e));
  }
  return out;
}

std::string UserServiceFixture::VerificationTokenOf(const std::string& user_id) {
  std::string token;
  for (const auto& e : OutboxEvents()) {
    if (e.type() != "user.email_verification_requested") continue;
    v1::EmailVerificationRequested asked;
    REQUIRE(e.payload().UnpackTo(&asked));
    if (asked.user_id() == user_id) token = asked.verification_token();
  }
  INFO("no confirmation e-mail for " << user_id);
  REQUIRE(!token.empty());
  return token;
}

void UserServiceFixture::ConfirmEmail(const std::string& user_id) {
  v1::VerifyEmailRequest req;
  req.set_verification_token(VerificationTokenOf(user_id));
  v1::VerifyEmailResponse res;
  auto ctx = Ctx();
  grpc::Status st = stub_->VerifyEmail(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
}

std::string UserServiceFixture::Query1(const std::string& sql) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  pqxx::row r = tx.exec1(sql);
  return r[0].is_null() ? std::string() : r[0].as<std::string>();
}

void UserServiceFixture::Exec(const std::string& sql) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  tx.exec0(sql);
  tx.commit();
}

void UserServiceFixture::InsertFollowers(const std::vector<std::string>& ids,
                                         const std::string& host_id) {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  const std::string array = "{" + absl::StrJoin(ids, ",") + "}";
  tx.exec_params(R"~(
INSERT INTO users (id, username, email, password_hash, display_name, email_verified_at)
SELECT id, lower(id), lower(id) || '@example.com', 'not-a-hash', 'Fan ' || id, now()
FROM unnest($1::text[]) AS id)~",
                 array);
  tx.exec_params("INSERT INTO notification_preferences (user_id) SELECT unnest($1::text[])", array);
  tx.exec_params("INSERT INTO follows (follower_id, followee_id) SELECT unnest($1::text[]), $2",
                 array, host_id);
  tx.commit();
}

std::vector<std::string> UserServiceFixture::MakeFollowers(const std::string& host_id, int n) {
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) ids.push_back(ids::NewId("usr"));
  InsertFollowers(ids, host_id);
  return ids;
}

std::string UserServiceFixture::MakeUser(const std::string& username) {
  v1::RegisterRequest req;
  req.set_username(username);
  req.set_email(username + "@example.com");
  req.set_password(kPassword);
  v1::RegisterResponse res;
  auto ctx = Ctx();
  grpc::Status st = stub_->Register(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return res.user().id();
}

v1::TokenPair UserServiceFixture::LoginAs(const std::string& username) {
  v1::LoginRequest req;
  req.set_login(username);
  req.set_password(kPassword);
  v1::LoginResponse res;
  auto ctx = Ctx();
  grpc::Status st = stub_->Login(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return res.tokens();
}

std::string UserServiceFixture::TokenFor(const std::string& username, auth::Role role,
                                         std::string* id) {
  std::string user_id = MakeUser(username);
  if (role != auth::Role::kViewer) REQUIRE(store_->SetRole(user_id, role, absl::Now()).ok());
  if (id != nullptr) *id = user_id;
  return LoginAs(username).access_token();
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

std::string ReasonOf(const grpc::ClientContext& ctx) {
  const auto& t = ctx.GetServerTrailingMetadata();
  auto it = t.find("shopcast-error-reason");
  return it == t.end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace shopcast::user::testing
