// The client address that login and registration throttling count against: the gateway names
// the browser's address in x-shopcast-client-address over the internal listener, and only a
// verified `gateway` certificate makes it count. Anyone else's (a client on the public listener,
// another service) is ignored and the TCP peer counts, as before.
#include <catch2/catch.hpp>

#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/clients/internal.h"
#include "shopcast/testing/temp_dir.h"
#include "user_fixture.h"

using namespace shopcast::user::testing;  // NOLINT: test file
namespace v1 = shopcast::user::v1;

namespace {

constexpr char kBrowser[] = "203.0.113.9";

struct Env {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user", "gateway", "order"}};
  UserServiceFixture f{shopcast::user::AccountsOptions{}, pki.Of("user")};

  // UserService on the internal listener, presenting `service`'s certificate.
  std::unique_ptr<v1::UserService::Stub> InternalAs(const std::string& service) {
    auto channel = shopcast::clients::MakeInternalChannel(
        "user", "127.0.0.1:" + std::to_string(f.internal_grpc_port()), pki.Of(service));
    REQUIRE(channel.ok());
    return v1::UserService::NewStub(*channel);
  }

  // Logs `login` in over `stub` claiming to act for `address` ("" = no claim).
  grpc::Status Login(v1::UserService::Stub& stub, const std::string& login,
                     const std::string& address) {
    auto ctx = Ctx();
    if (!address.empty()) ctx->AddMetadata("x-shopcast-client-address", address);
    v1::LoginRequest req;
    req.set_login(login);
    req.set_password(kPassword);
    v1::LoginResponse res;
    return stub.Login(ctx.get(), req, &res);
  }
};

}  // namespace

TEST_CASE("a client address forged on the public listener is ignored") {
  Env env;
  std::string id = env.f.MakeUser("dora");
  REQUIRE(env.Login(env.f.stub(), "dora", kBrowser).ok());
  CHECK(env.f.KnownAddresses(id) == std::vector<std::string>{"127.0.0.1"});
}

TEST_CASE("only the gateway's word for the client address counts, not another service's") {
  Env env;
  std::string id = env.f.MakeUser("emil");
  auto gateway = env.InternalAs("gateway");
  REQUIRE(env.Login(*gateway, "emil", kBrowser).ok());
  CHECK(env.f.KnownAddresses(id) == std::vector<std::string>{kBrowser});

  // IPv6 too; something that is not an address falls back to the TCP peer.
  REQUIRE(env.Login(*gateway, "emil", "2001:db8::7").ok());
  REQUIRE(env.Login(*gateway, "emil", "198.51.100.1; DROP").ok());
  CHECK(env.f.KnownAddresses(id) == std::vector<std::string>{"127.0.0.1", "2001:db8::7", kBrowser});

  std::string other = env.f.MakeUser("fern");
  auto order = env.InternalAs("order");
  REQUIRE(env.Login(*order, "fern", "198.51.100.44").ok());
  CHECK(env.f.KnownAddresses(other) == std::vector<std::string>{"127.0.0.1"});
}

TEST_CASE("registration throttling counts per client behind the gateway") {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user", "gateway"}};
  shopcast::user::AccountsOptions options;
  options.registration_throttle.free_failures = 2;
  options.registration_throttle.base_delay = absl::Minutes(10);
  UserServiceFixture f{options, pki.Of("user")};
  auto channel = shopcast::clients::MakeInternalChannel(
      "user", "127.0.0.1:" + std::to_string(f.internal_grpc_port()), pki.Of("gateway"));
  REQUIRE(channel.ok());
  auto gateway = v1::UserService::NewStub(*channel);
  auto reg = [&](const std::string& name, const std::string& address) {
    auto ctx = Ctx();
    ctx->AddMetadata("x-shopcast-client-address", address);
    v1::RegisterRequest req;
    req.set_username(name);
    req.set_email(name + "@example.com");
    req.set_password(kPassword);
    v1::RegisterResponse res;
    grpc::Status s = gateway->Register(ctx.get(), req, &res);
    return s.ok() ? std::string("OK") : ReasonOf(*ctx);
  };
  // One client behind the gateway uses up its registrations...
  CHECK(reg("gina", "198.51.100.20") == "OK");
  CHECK(reg("hugo", "198.51.100.20") == "OK");
  CHECK(reg("ivan", "198.51.100.20") == "REGISTRATION_THROTTLED");
  // ...while another client behind the same gateway is not affected.
  CHECK(reg("jane", "198.51.100.21") == "OK");
}
