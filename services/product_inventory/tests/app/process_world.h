#pragma once

// The real product-inventory binary for process tests: credentials, a signing key and tokens,
// the environment it is configured from, and a catalogue made through its public API.

#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::product_inventory::testing {

namespace pb = ::shopcast::product_inventory::v1;

// What every start of the binary shares: the database, keys and credentials.
class ProcessWorld {
 public:
  ProcessWorld()
      : pki_(dir_.File("pki"), {"product-inventory", "order"}),
        db_(shopcast::testing::TestDatabase::Create()) {
    auto key = auth::GenerateSigningKey("");
    if (!key.ok()) throw std::runtime_error("signing key");
    // The name the service gives the key it loads from the file.
    key->kid = auth::KeyIdFor(key->public_pem);
    std::ofstream(dir_.File("signing.pub.pem")) << key->public_pem;
    std::ofstream(dir_.File("page-token.key"))
        << "a page-token key of more than thirty-two bytes\n";
    issuer_ =
        std::make_unique<auth::TokenIssuer>(*key, "shopcast-user", "shopcast", absl::Minutes(30));
  }

  // The binary's environment (ports 0); `extra` ("NAME=value") appended.
  std::vector<std::string> Env(const std::vector<std::string>& extra = {}) const {
    const std::string p = "SHOPCAST_PRODUCT_INVENTORY_";
    auto tls = pki_.FilesOf("product-inventory");
    std::vector<std::string> env = {p + "GRPC_ADDR=127.0.0.1:0",
                                    p + "METRICS_ADDR=127.0.0.1:0",
                                    p + "INTERNAL_GRPC_ADDR=127.0.0.1:0",
                                    p + "SERVICE_CA_FILE=" + tls.ca_file,
                                    p + "SERVICE_CERT_FILE=" + tls.cert_file,
                                    p + "SERVICE_KEY_FILE=" + tls.key_file,
                                    p + "DB_DSN=" + db_.dsn(),
                                    p + "DB_POOL_SIZE=4",
                                    p + "VERIFY_KEY_FILES=" + dir_.File("signing.pub.pem"),
                                    p + "PAGE_TOKEN_KEY_FILE=" + dir_.File("page-token.key"),
                                    p + "DRAIN_TIMEOUT=5s"};
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }

  // "Bearer"-less token of `user` with `role`.
  std::string Token(const std::string& user, auth::Role role) const {
    auto t = issuer_->Issue(user, role, absl::Now());
    if (!t.ok()) throw std::runtime_error("token");
    return t->token;
  }

  std::string File(const std::string& name) const { return dir_.File(name); }
  const std::string& dsn() const { return db_.dsn(); }
  auth::ServiceTls Peer(const std::string& name) const { return pki_.Of(name); }

 private:
  shopcast::testing::TempDir dir_;
  auth::testing::DevPki pki_;
  shopcast::testing::TestDatabase db_;
  std::unique_ptr<auth::TokenIssuer> issuer_;
};

// One running binary and stubs on its listeners.
struct RunningService {
  std::unique_ptr<shopcast::testing::ChildProcess> proc;
  std::unique_ptr<pb::ProductInventoryService::Stub> stub;
  std::unique_ptr<pb::ProductInventoryInternalService::Stub> internal;  // As the order service.
};

inline RunningService Start(const ProcessWorld& w, const std::string& log,
                            const std::vector<std::string>& extra_env = {}) {
  RunningService s;
  s.proc = std::make_unique<shopcast::testing::ChildProcess>(
      std::vector<std::string>{SHOPCAST_PRODUCT_INVENTORY_BIN, "serve"}, w.Env(extra_env),
      w.File(log));
  nlohmann::json started = s.proc->WaitForLogEvent("server_started", absl::Seconds(60));
  s.stub = pb::ProductInventoryService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(started["grpc_port"].get<int>()),
                          grpc::InsecureChannelCredentials()));
  auto channel = clients::MakeInternalChannel(
      "product-inventory", "127.0.0.1:" + std::to_string(started["internal_grpc_port"].get<int>()),
      w.Peer("order"));
  if (!channel.ok()) throw std::runtime_error("internal channel");
  s.internal = pb::ProductInventoryInternalService::NewStub(*channel);
  return s;
}

// Calls `method` on `stub` with `token` ("" = none), 30 s deadline.
template <typename S, typename Request, typename Response>
grpc::Status Call(S& stub,
                  grpc::Status (S::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  return (stub.*method)(&ctx, request, response);
}

// A listed fixed-price product of `host_token`'s host with `units`, made as a host makes one
// (the type by `admin_token`).
inline std::string CreateListedProduct(pb::ProductInventoryService::Stub& stub,
                                       const std::string& admin_token,
                                       const std::string& host_token, int64_t units) {
  using Stub = pb::ProductInventoryService::Stub;
  pb::CreateProductTypeRequest type_req;
  pb::ParameterSpec* size = type_req.mutable_product_type()->add_parameters();
  type_req.mutable_product_type()->set_name("Mugs");
  size->set_key("size");
  size->set_label("Size");
  size->set_kind(pb::PARAMETER_KIND_CHOICE);
  size->set_required(true);
  size->add_choices("S");
  size->add_choices("L");
  pb::CreateProductTypeResponse type;
  if (!Call(stub, &Stub::CreateProductType, admin_token, type_req, &type).ok()) {
    throw std::runtime_error("CreateProductType");
  }
  pb::CreateShippingProfileRequest profile_req;
  pb::ShippingProfile* p = profile_req.mutable_shipping_profile();
  p->set_name("Standard");
  p->set_origin_country_code("US");
  p->mutable_handling_time()->set_seconds(86400);
  pb::ShippingRate* rate = p->add_rates();
  rate->add_country_codes("*");
  rate->mutable_first_unit()->set_amount_minor(500);
  rate->mutable_first_unit()->set_currency("USD");
  pb::CreateShippingProfileResponse profile;
  if (!Call(stub, &Stub::CreateShippingProfile, host_token, profile_req, &profile).ok()) {
    throw std::runtime_error("CreateShippingProfile");
  }
  pb::CreateProductRequest req;
  pb::Product* product = req.mutable_product();
  product->set_product_type_id(type.product_type().id());
  product->set_title("Enamel mug");
  (*product->mutable_parameters())["size"].set_choice_value("L");
  product->set_sale_mode(pb::SALE_MODE_FIXED_PRICE);
  product->mutable_price()->set_amount_minor(1500);
  product->mutable_price()->set_currency("USD");
  product->set_shipping_profile_id(profile.shipping_profile().id());
  req.set_initial_stock(units);
  req.set_idempotency_key("mug");
  pb::CreateProductResponse created;
  if (!Call(stub, &Stub::CreateProduct, host_token, req, &created).ok()) {
    throw std::runtime_error("CreateProduct");
  }
  return created.product().id();
}

}  // namespace shopcast::product_inventory::testing
