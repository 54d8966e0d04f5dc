#pragma once

// order in-process for tests: Apps (each built from a Config exactly as the binary builds it)
// over one fresh test database, service credentials, tokens for any user and role, and a
// direct connection to check what was stored. Peers are test doubles unless a test passes
// real ones (a product-inventory process, see pi_process.h).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "grpcpp/client_context.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/order/v1/order.grpc.pb.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"
#include "support/doubles.h"

namespace shopcast::order::testing {

namespace pb = ::shopcast::order::v1;

using ConfigEdit = std::function<void(Config&)>;

// Adds `authorization: Bearer <token>` and a 30 s deadline to `ctx`.
void Prepare(grpc::ClientContext& ctx, const std::string& token);

class Replica {
 public:
  Replica(const Config& config, const AppOverrides& overrides);
  ~Replica();
  std::unique_ptr<pb::OrderService::Stub> Stub() const;
  // OrderInternalService presenting `client`'s certificate.
  std::unique_ptr<pb::OrderInternalService::Stub> InternalStub(
      const auth::ServiceTls& client) const;
  App& app() { return *app_; }
  // Stops the App as a crash would leave things (leases kept), then frees it.
  void Stop() { app_->Stop(); }

 private:
  std::unique_ptr<App> app_;
};

// Which peers an App talks to: the fixture's doubles, or the real ones.
struct Peers {
  // The gRPC client to config.product_inventory_addr instead of `inventory`.
  bool real_inventory = false;
  // The built-in SimulatedProvider (its ledger in the order database) instead of `provider`.
  bool real_provider = false;
};

class AppFixture {
 public:
  AppFixture();
  ~AppFixture();

  // An App on the fixture's database; its peers are the fixture's doubles `provider` and
  // `inventory` unless the overrides name others or `peers` asks for the real ones.
  Replica& AddReplica(const ConfigEdit& edit = nullptr, AppOverrides overrides = {},
                      Peers peers = {});
  // Stops and frees the replica (as if its process ended).
  void DropReplica(Replica& replica);
  Config BaseConfig() const;

  // A signed access token for `user_id` with `role` ("viewer", "host", "admin") and `name`.
  std::string TokenFor(const std::string& user_id, const std::string& role = "viewer",
                       const std::string& name = "") const;
  // The public key file tokens verify with, and the service credentials' folder (for a
  // product-inventory process started by the test).
  std::string verify_key_file() const { return dir_.File("signing.pub.pem"); }
  std::string page_token_key_file() const { return dir_.File("page-token.key"); }
  const auth::testing::DevPki& pki() const { return pki_; }
  std::string File(const std::string& name) const { return dir_.File(name); }
  const std::string& dsn() const { return db_.dsn(); }
  // The single value of `sql` on the order database.
  int64_t Count(const std::string& sql) const;

  ScriptedProvider provider;
  FakeInventory inventory;

 private:
  shopcast::testing::TempDir dir_;
  auth::testing::DevPki pki_;
  std::string signing_key_file_;
  shopcast::testing::TestDatabase db_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

// A valid PlaceOrder for `reservation_id` with `key` and payment `token`.
pb::PlaceOrderRequest OrderRequest(const std::string& reservation_id, const std::string& key,
                                   const std::string& token = "pm_test_approve");

}  // namespace shopcast::order::testing
