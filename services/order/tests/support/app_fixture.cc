#include "support/app_fixture.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <pqxx/pqxx>
#include <stdexcept>

#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"

namespace shopcast::order::testing {

void Prepare(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

Replica::Replica(const Config& config, const AppOverrides& overrides) {
  auto app = App::Create(config, overrides);
  if (!app.ok()) throw std::runtime_error("app: " + std::string(app.status().message()));
  app_ = *std::move(app);
  if (!app_->Start().ok()) throw std::runtime_error("app did not start");
}

Replica::~Replica() { app_->Stop(); }

std::unique_ptr<pb::OrderService::Stub> Replica::Stub() const {
  return pb::OrderService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(app_->host().grpc_port()), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<pb::OrderInternalService::Stub> Replica::InternalStub(
    const auth::ServiceTls& client) const {
  auto channel = clients::MakeInternalChannel(
      "order", "127.0.0.1:" + std::to_string(app_->host().internal_grpc_port()), client);
  if (!channel.ok()) throw std::runtime_error("internal channel");
  return pb::OrderInternalService::NewStub(*channel);
}

AppFixture::AppFixture()
    : pki_(dir_.File("pki"), {"order", "product-inventory", "realtime-push"}),
      signing_key_file_(dir_.File("signing.pem")),
      db_(shopcast::testing::TestDatabase::Create()) {
  auto key = auth::GenerateSigningKey("");
  if (!key.ok()) throw std::runtime_error("signing key");
  // The name a service gives the key it loads from the public file.
  key->kid = auth::KeyIdFor(key->public_pem);
  std::ofstream(signing_key_file_) << key->private_pem;
  std::ofstream(dir_.File("signing.pub.pem")) << key->public_pem;
  std::ofstream(dir_.File("page-token.key")) << "a test page-token key of more than 32 bytes\n";
}

AppFixture::~AppFixture() { replicas_.clear(); }

Config AppFixture::BaseConfig() const {
  Config c;
  c.grpc_addr = "127.0.0.1:0";
  c.metrics_addr = "";
  c.internal_grpc_addr = "127.0.0.1:0";
  c.service_tls = pki_.FilesOf("order");
  c.db_dsn = db_.dsn();
  c.db_pool_size = 6;
  c.verify_key_files = {dir_.File("signing.pub.pem")};
  c.token_issuer = "shopcast-user";
  c.token_audience = "shopcast";
  c.page_token_key_file = dir_.File("page-token.key");
  c.drain_timeout = absl::Seconds(2);
  c.product_inventory_addr = "127.0.0.1:1";
  c.video_ingest_addr = "127.0.0.1:1";
  c.provider_timeout = absl::Seconds(2);
  c.recovery_interval = absl::Milliseconds(100);
  return c;
}

Replica& AppFixture::AddReplica(const ConfigEdit& edit, AppOverrides overrides, Peers peers) {
  Config config = BaseConfig();
  if (edit) edit(config);
  if (overrides.provider == nullptr && !peers.real_provider) {
    overrides.provider = &provider;
    overrides.settle = [this](const std::string& id, bool approve, const std::string& code) {
      return provider.Settle(id, approve, code);
    };
  }
  if (overrides.inventory == nullptr && !peers.real_inventory) overrides.inventory = &inventory;
  replicas_.push_back(std::make_unique<Replica>(config, overrides));
  return *replicas_.back();
}

void AppFixture::DropReplica(Replica& replica) {
  replicas_.erase(std::remove_if(replicas_.begin(), replicas_.end(),
                                 [&](const auto& r) { return r.get() == &replica; }),
                  replicas_.end());
}

std::string AppFixture::TokenFor(const std::string& user_id, const std::string& role,
                                 const std::string& name) const {
  auto key = auth::LoadSigningKeyFile(signing_key_file_);
  auto parsed = auth::ParseRole(role);
  if (!key.ok() || !parsed) throw std::runtime_error("token");
  auth::TokenIssuer issuer(*key, "shopcast-user", "shopcast", absl::Minutes(15));
  auto token = issuer.Issue(user_id, *parsed, absl::Now(), {}, name);
  if (!token.ok()) throw std::runtime_error("token");
  return token->token;
}

int64_t AppFixture::Count(const std::string& sql) const {
  pqxx::connection c(db_.dsn());
  pqxx::work tx(c);
  return tx.exec1(sql)[0].as<int64_t>();
}

pb::PlaceOrderRequest OrderRequest(const std::string& reservation_id, const std::string& key,
                                   const std::string& token) {
  pb::PlaceOrderRequest r;
  r.set_reservation_id(reservation_id);
  r.set_idempotency_key(key);
  pb::ShippingAddress* a = r.mutable_shipping_address();
  a->set_recipient_name("Ada Lovelace");
  a->set_line1("12 Analytical Row");
  a->set_city("London");
  a->set_postal_code("N1 9GU");
  a->set_country_code("GB");
  a->set_phone("+442071234567");
  r.mutable_payment_method()->mutable_placeholder()->set_token(token);
  return r;
}

}  // namespace shopcast::order::testing
