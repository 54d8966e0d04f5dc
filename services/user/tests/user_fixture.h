#pragma once

// The user service running in-process on an ephemeral port against a fresh database of the
// test run's PostgreSQL, plus helpers to call it as a client would.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "accounts.h"
#include "grpcpp/client_context.h"
#include "internal_service.h"
#include "passwords.h"
#include "revocation_waits.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/revocations.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/server/host.h"
#include "shopcast/testing/pg.h"
#include "shopcast/user/v1/user.grpc.pb.h"
#include "store/user_store.h"
#include "user_service.h"

namespace shopcast::user::testing {

inline constexpr char kIssuer[] = "shopcast-user-test";
inline constexpr char kAudience[] = "shopcast-test";
inline constexpr char kPassword[] = "correct horse battery";

class UserServiceFixture {
 public:
  // With `internal_tls`, also serves UserInternalService on an internal listener (mutual TLS)
  // with that credential, as the service does in production; see internal_grpc_port().
  explicit UserServiceFixture(AccountsOptions options = {},
                              std::optional<auth::ServiceTls> internal_tls = std::nullopt);
  ~UserServiceFixture();

  v1::UserService::Stub& stub() { return *stub_; }
  db::Pool& pool() { return *pool_; }
  // The domain object behind the RPCs, for calls from a chosen client address.
  Accounts& accounts() { return *accounts_; }
  UserStore& store() { return *store_; }
  const auth::SigningKey& key() const { return key_; }
  int grpc_port() const { return host_->grpc_port(); }
  int metrics_port() const { return host_->metrics_port(); }
  // The internal listener's port (only with `internal_tls`).
  int internal_grpc_port() const { return host_->internal_grpc_port(); }
  // Where the internal listener holds long-polled ListRevocations calls.
  RevocationWaits& revocation_waits() { return revocation_waits_; }
  // One pull of the service's own revocation list, letting held calls go as the binary does
  // after each pull (app.cc): the test's stand-in for a revocation_sync_interval passing.
  void PullRevocations();

  // Number of rows in `table` (to prove a rejected call stored nothing).
  int64_t Count(const std::string& table);
  // The addresses `user_id` has logged in from, sorted (what login throttling counted).
  std::vector<std::string> KnownAddresses(const std::string& user_id);
  // The events in the outbox, oldest first (each checked to go to realtime_push).
  std::vector<common::v1::Event> OutboxEvents();
  // The first column of the one row `sql` returns, as text ("" for NULL).
  std::string Query1(const std::string& sql);
  // Runs one SQL statement on the test database (to set up rows the API cannot make).
  void Exec(const std::string& sql);

  // Makes accounts `ids` (well-formed usr_ ids) straight in the database, each following
  // `host_id` with default preferences: no password hashing, so thousands take well under a
  // second. Their display name is "Fan <id>", their email "<lower-cased id>@example.com",
  // confirmed.
  void InsertFollowers(const std::vector<std::string>& ids, const std::string& host_id);
  // InsertFollowers with `n` fresh random ids; returns them.
  std::vector<std::string> MakeFollowers(const std::string& host_id, int n);

  // Registers `username` with kPassword; returns its id. Fails the test on error.
  std::string MakeUser(const std::string& username);
  // The token of the newest confirmation e-mail sent to user `user_id` (from the outbox, as
  // realtime-push receives it); fails the test when there is none.
  std::string VerificationTokenOf(const std::string& user_id);
  // Confirms `user_id`'s address as its owner does: VerifyEmail with that token.
  void ConfirmEmail(const std::string& user_id);
  // Logs in and returns the tokens. Fails the test on error.
  v1::TokenPair LoginAs(const std::string& username);
  // Registers, sets the role directly in the database, logs in; returns the access token.
  std::string TokenFor(const std::string& username, auth::Role role, std::string* id = nullptr);

 private:
  shopcast::testing::TestDatabase db_;
  std::unique_ptr<db::Pool> pool_;
  auth::SigningKey key_;
  PasswordHasher hasher_;
  std::unique_ptr<auth::TokenIssuer> issuer_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<UserStore> store_;
  std::unique_ptr<Accounts> accounts_;
  RevocationWaits revocation_waits_;  // outlives the host, which drains the calls it holds
  auth::RevocationList own_revoked_;  // the service's own list (PullRevocations)
  std::unique_ptr<server::ServiceHost> host_;
  std::unique_ptr<UserServiceImpl> service_;
  std::unique_ptr<UserInternalServiceImpl> internal_service_;
  std::unique_ptr<UserServiceImpl> service_for_gateway_;
  std::unique_ptr<v1::UserService::Stub> stub_;
};

// A client context with a 10 s deadline and, if given, a bearer token.
std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "");

// The shopcast-error-reason trailer of a finished call.
std::string ReasonOf(const grpc::ClientContext& ctx);

}  // namespace shopcast::user::testing
