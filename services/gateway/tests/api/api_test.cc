// The JSON API's parts without any service behind them: the route table, the error mapping,
// JSON limits, the OpenAPI document, cookies and CSRF, token buckets, and the handler's own
// refusals (404, 405, 413, 415, 400, 401, 429) that never reach a service.
#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "api/api_handler.h"
#include "api/cookies.h"
#include "api/errors.h"
#include "api/json.h"
#include "api/openapi.h"
#include "api/routes.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "handler_support.h"
#include "limits/token_buckets.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"
#include "shopcast/user/v1/user.pb.h"

namespace api = shopcast::gateway::api;
namespace gw = shopcast::gateway;
namespace pipb = shopcast::product_inventory::v1;
using namespace shopcast::gateway::testing;  // NOLINT: test file

namespace {

// Accepts the token "good" as usr_1; refuses everything else as a forged token would be.
class FixedAccess final : public gw::AccessCheck {
 public:
  absl::StatusOr<shopcast::auth::Claims> Verify(absl::string_view token, absl::Time) override {
    if (token != "good") {
      return shopcast::Unauthenticated("TOKEN_BAD_SIGNATURE", "the token's signature is wrong");
    }
    shopcast::auth::Claims c;
    c.subject = "usr_1";
    c.role = shopcast::auth::Role::kViewer;
    return c;
  }
};

std::shared_ptr<gw::RouteHandler> Handler(
    gw::RateLimitOptions limits = gw::DefaultRateLimitOptions()) {
  gw::ApiOptions o;
  o.version = "0.1.0";
  o.client_config.set_websocket_url("wss://shop.test/ws/v1");
  auto h = gw::MakeApiHandler(o, std::make_shared<FixedAccess>(),
                              gw::MakeRateLimits(limits, nullptr), nullptr);
  REQUIRE(h.ok());
  return *h;
}

// A service that answers no call until the caller cancels it (a user service that hangs).
class HangingService final : public grpc::CallbackGenericService {
 public:
  std::atomic<int> calls{0};
  std::atomic<int> cancelled{0};

 private:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    ++calls;
    return new Hang(this);
  }

  class Hang final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Hang(HangingService* service) : service_(service) {}
    void OnCancel() override {
      ++service_->cancelled;
      Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override { delete this; }

   private:
    HangingService* service_;
  };
};

}  // namespace

TEST_CASE("every public unary RPC is routed once, internal services and streams never") {
  auto table = api::RouteTable::Build();
  REQUIRE(table.ok());
  const api::Route* login = table->Find("/api/v1/user/Login");
  REQUIRE(login != nullptr);
  CHECK(login->grpc_method == "/shopcast.user.v1.UserService/Login");
  CHECK_FALSE(login->allow_get);
  CHECK(login->attributes.action == gw::RateAction::kLogin);
  CHECK(login->attributes.per_address);
  // A page load's new access token has its own, looser bucket than a password's, per address.
  const api::Route* refresh = table->Find("/api/v1/user/Refresh");
  REQUIRE(refresh != nullptr);
  CHECK(refresh->attributes.action == gw::RateAction::kRefresh);
  CHECK(refresh->attributes.per_address);
  CHECK(gw::RateActionName(gw::RateAction::kRefresh) == "refresh");
  CHECK(
      gw::DefaultRateLimitOptions().buckets[static_cast<size_t>(gw::RateAction::kRefresh)].burst ==
      60);
  // A password change checks a password: the login allowance, but per user (signed in).
  const api::Route* change = table->Find("/api/v1/user/ChangePassword");
  REQUIRE(change != nullptr);
  CHECK(change->attributes.action == gw::RateAction::kLogin);
  CHECK(change->attributes.auth_required);
  CHECK_FALSE(change->attributes.per_address);
  CHECK_FALSE(change->attributes.ignores_token);
  const api::Route* info = table->Find("/api/v1/gateway/GetServerInfo");
  REQUIRE(info != nullptr);
  CHECK(info->allow_get);  // no request fields
  const api::Route* chat = table->Find("/api/v1/realtime-push/SendChat");
  REQUIRE(chat != nullptr);
  CHECK(chat->attributes.auth_required);
  CHECK(chat->attributes.action == gw::RateAction::kChat);
  CHECK(table->Find("/api/v1/product-inventory/PlaceBid")->attributes.action ==
        gw::RateAction::kBid);
  CHECK(table->Find("/api/v1/order/PlaceOrder")->attributes.action == gw::RateAction::kCheckout);
  CHECK(table->Find("/api/v1/product-inventory/GetProduct")->attributes.action == std::nullopt);
  CHECK(table->Find("/api/v1/video-ingest/CreateStream")->attributes.action ==
        gw::RateAction::kOtherWrite);
  // Streams go through the WebSocket; internal RPCs never leave the cluster.
  CHECK(table->Find("/api/v1/realtime-push/Subscribe") == nullptr);
  CHECK(table->Find("/api/v1/realtime-push/SubscribeNotifications") == nullptr);
  CHECK(table->Find("/api/v1/user/ListRevocations") == nullptr);
  CHECK(table->Find("/api/v1/realtime-push/Publish") == nullptr);
  for (const api::Route& r : table->routes()) {
    INFO(r.grpc_method);
    CHECK(r.grpc_method.find("Internal") == std::string::npos);
    CHECK_FALSE(r.method->server_streaming());
  }
  CHECK(table->routes().size() > 100);
}

TEST_CASE("gRPC codes map to grpc-gateway's HTTP statuses") {
  using C = absl::StatusCode;
  const std::vector<std::pair<C, unsigned>> table = {{C::kOk, 200},
                                                     {C::kCancelled, 499},
                                                     {C::kUnknown, 500},
                                                     {C::kInvalidArgument, 400},
                                                     {C::kDeadlineExceeded, 504},
                                                     {C::kNotFound, 404},
                                                     {C::kAlreadyExists, 409},
                                                     {C::kPermissionDenied, 403},
                                                     {C::kUnauthenticated, 401},
                                                     {C::kResourceExhausted, 429},
                                                     {C::kFailedPrecondition, 400},
                                                     {C::kAborted, 409},
                                                     {C::kOutOfRange, 400},
                                                     {C::kUnimplemented, 501},
                                                     {C::kInternal, 500},
                                                     {C::kUnavailable, 503},
                                                     {C::kDataLoss, 500}};
  for (auto [code, status] : table) CHECK(api::HttpStatusFromCode(code) == status);
}

TEST_CASE("a service status becomes the HttpError with its details and without internal text") {
  google::rpc::Status details;
  shopcast::common::v1::ErrorInfo info;
  info.set_reason("PRICE_OUT_OF_RANGE");
  info.set_field("product.price");
  details.add_details()->PackFrom(info);
  pipb::FieldViolations violations;
  auto* v = violations.add_violations();
  v->set_field("product.price");
  v->set_reason("PRICE_OUT_OF_RANGE");
  details.add_details()->PackFrom(violations);
  google::protobuf::Any unknown;
  unknown.set_type_url("type.googleapis.com/some.unknown.Type");
  *details.add_details() = unknown;
  std::multimap<grpc::string_ref, grpc::string_ref> no_trailers;
  grpc::Status bad(grpc::StatusCode::INVALID_ARGUMENT, "price too high",
                   details.SerializeAsString());
  auto e = api::FromGrpcStatus(bad, no_trailers, "product-inventory");
  CHECK(e.code() == "INVALID_ARGUMENT");
  CHECK(e.error_info().reason() == "PRICE_OUT_OF_RANGE");
  CHECK(e.error_info().domain() == "product-inventory");
  REQUIRE(e.details_size() == 1);  // the unknown type is dropped
  Answer a{api::ErrorResponse(e, "rid-7")};
  CHECK(a.status() == 400);
  auto j = a.json();
  CHECK(j["requestId"] == "rid-7");
  CHECK(j["details"][0]["@type"] ==
        "type.googleapis.com/shopcast.product_inventory.v1.FieldViolations");
  CHECK(j["details"][0]["violations"][0]["field"] == "product.price");

  grpc::Status internal(grpc::StatusCode::INTERNAL, "pq: relation users does not exist");
  auto i = api::FromGrpcStatus(internal, no_trailers, "user");
  CHECK(i.message() == "internal error");
  grpc::Status down(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses");
  auto d = api::FromGrpcStatus(down, no_trailers, "order");
  CHECK(d.error_info().reason() == "SERVICE_UNAVAILABLE");
  CHECK(d.message().find("connect") == std::string::npos);

  // Retry-After from a service's retry_after_ms.
  shopcast::gateway::v1::HttpError throttled;
  throttled.set_code("RESOURCE_EXHAUSTED");
  (*throttled.mutable_error_info()->mutable_metadata())["retry_after_ms"] = "1200";
  Answer t{api::ErrorResponse(throttled, "r")};
  CHECK(t.status() == 429);
  CHECK(t.header(http::field::retry_after) == "2");
}

TEST_CASE("JSON bodies: limits and refusals before and by the parser") {
  shopcast::user::v1::LoginRequest m;
  auto reason = [&](const std::string& body) {
    return shopcast::ReasonOf(api::JsonToMessage(body, 8, &m));
  };
  CHECK(reason("") == "");
  CHECK(reason("  \n") == "");
  CHECK(reason(R"({"login":"ann","password":"pw"})") == "");
  CHECK(m.login() == "ann");
  CHECK(reason(R"({"login":"ann",)") == "JSON_MALFORMED");
  CHECK(reason(R"({"login":12})") == "JSON_MALFORMED");
  CHECK(reason(R"({"lgin":"ann"})") == "UNKNOWN_FIELD");
  CHECK(m.login().empty());  // nothing half-filled
  CHECK(reason(R"(["login"])") == "JSON_NOT_OBJECT");
  CHECK(reason("{\"login\":\"\xff\"}") == "JSON_BAD_UTF8");
  CHECK(reason(R"({"login":"\ud800"})") == "JSON_BAD_UTF8");
  CHECK(reason(R"({"login":"\udc00x"})") == "JSON_BAD_UTF8");
  CHECK(reason(R"({"login":"\ud83d\ude00"})") == "");        // a proper pair
  CHECK(reason(R"({"login":"[[[[[[[[[[[[[[[[[["})") == "");  // brackets inside strings
  std::string deep(9, '[');
  CHECK(reason("{\"login\":" + deep + std::string(9, ']') + "}") == "JSON_TOO_DEEP");
  // Default values are printed: clients read 0 and [] instead of testing for absence.
  pipb::ListStreamProductsResponse empty;
  CHECK(api::MessageToJson(empty).find("\"products\":[]") != std::string::npos);
}

TEST_CASE("the OpenAPI document describes the routes, schemas, errors and bearer auth") {
  auto table = api::RouteTable::Build();
  REQUIRE(table.ok());
  auto doc = nlohmann::json::parse(api::OpenApiDocument(*table, "1.2.3"));
  CHECK(doc["openapi"] == "3.1.0");
  CHECK(doc["info"]["version"] == "1.2.3");
  auto login = doc["paths"]["/api/v1/user/Login"];
  CHECK(login["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/shopcast.user.v1.LoginRequest");
  CHECK(login["post"]["responses"]["default"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/shopcast.gateway.v1.HttpError");
  CHECK_FALSE(login.contains("get"));
  CHECK(doc["paths"]["/api/v1/gateway/GetServerInfo"].contains("get"));
  CHECK_FALSE(doc["paths"].contains("/api/v1/realtime-push/Subscribe"));
  auto schemas = doc["components"]["schemas"];
  // proto3 JSON names, int64 as strings, Timestamps as date-time, enums by name.
  auto product = schemas["shopcast.product_inventory.v1.CreateProductRequest"]["properties"];
  CHECK(product.contains("initialStock"));
  CHECK(product.contains("idempotencyKey"));
  CHECK(schemas["shopcast.user.v1.TokenPair"]["properties"]["accessTokenExpiresAt"]["format"] ==
        "date-time");
  CHECK(schemas["shopcast.user.v1.User"]["properties"]["role"]["enum"][1] == "ROLE_VIEWER");
  CHECK(schemas.contains("shopcast.gateway.v1.HttpError"));
  CHECK(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
  CHECK(doc["paths"]["/api/v1/realtime-push/SendChat"]["post"]["security"].size() == 1);
  // Every $ref resolves.
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
    if (j.is_object()) {
      if (j.contains("$ref")) {
        std::string ref = j["$ref"];
        INFO(ref);
        CHECK(schemas.contains(ref.substr(std::string("#/components/schemas/").size())));
      }
      for (const auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  walk(doc);
}

TEST_CASE("session cookies are __Host-, Secure, SameSite=Strict and the refresh one HttpOnly") {
  auto cookies = api::SessionCookies("rt-1", "csrf-1", absl::Hours(720));
  REQUIRE(cookies.size() == 2);
  CHECK(cookies[0] ==
        "__Host-shopcast_refresh=rt-1; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=2592000");
  CHECK(cookies[1] ==
        "__Host-shopcast_csrf=csrf-1; Path=/; Secure; SameSite=Strict; Max-Age=2592000");
  for (const auto& c : api::ClearedSessionCookies())
    CHECK(c.find("Max-Age=0") != std::string::npos);
  CHECK(api::NewCsrfToken().size() >= 43);
  CHECK(api::NewCsrfToken() != api::NewCsrfToken());
}

TEST_CASE("CSRF: double submit and the Origin allow-list") {
  auto req = Post("/api/v1/user/Refresh");
  req.set(http::field::cookie, "a=b; __Host-shopcast_refresh=rt; __Host-shopcast_csrf=tok");
  CHECK(*api::CookieValue(req, api::kRefreshCookie) == "rt");
  auto reason = [](const gw::HttpRequest& r) {
    return shopcast::ReasonOf(api::CheckCsrf(r, true, {"https://app.shop.test"}));
  };
  CHECK(reason(req) == "CSRF_TOKEN_MISSING");
  req.set(api::kCsrfHeader, "other");
  CHECK(reason(req) == "CSRF_TOKEN_MISMATCH");
  req.set(api::kCsrfHeader, "tok");
  CHECK(reason(req) == "");
  req.set(http::field::origin, "https://shop.test");  // the gateway's own origin
  CHECK(reason(req) == "");
  req.set(http::field::origin, "https://app.shop.test");
  CHECK(reason(req) == "");
  req.set(http::field::origin, "https://evil.test");
  CHECK(reason(req) == "ORIGIN_NOT_ALLOWED");
  req.set(http::field::origin, "http://shop.test");  // not our scheme
  CHECK(reason(req) == "ORIGIN_NOT_ALLOWED");
}

TEST_CASE("token buckets: burst, refill, Retry-After, per caller and per action") {
  gw::RateLimitOptions o = gw::DefaultRateLimitOptions();
  o.buckets[static_cast<size_t>(gw::RateAction::kChat)] = {3, 1};
  auto limits = gw::MakeRateLimits(o, nullptr);
  const absl::Time t0 = absl::FromUnixSeconds(1000000);
  for (int i = 0; i < 3; ++i)
    CHECK(limits->Take(gw::RateAction::kChat, "u:a", t0) == absl::ZeroDuration());
  absl::Duration wait = limits->Take(gw::RateAction::kChat, "u:a", t0);
  CHECK(wait > absl::Milliseconds(900));
  CHECK(wait <= absl::Seconds(1));
  CHECK(limits->Take(gw::RateAction::kChat, "u:b", t0) == absl::ZeroDuration());  // another caller
  CHECK(limits->Take(gw::RateAction::kBid, "u:a", t0) == absl::ZeroDuration());   // another action
  CHECK(limits->Take(gw::RateAction::kChat, "u:a", t0 + absl::Seconds(1)) == absl::ZeroDuration());
  CHECK(limits->Take(gw::RateAction::kChat, "u:a", t0 + absl::Seconds(1)) > absl::ZeroDuration());
}

TEST_CASE("token buckets stay within their cap under a flood of callers") {
  gw::RateLimitOptions o = gw::DefaultRateLimitOptions();
  o.max_buckets = 1600;
  prometheus::Registry registry;
  auto limits = gw::MakeRateLimits(o, &registry);
  const absl::Time t0 = absl::FromUnixSeconds(1000000);
  for (int i = 0; i < 50000; ++i) {
    limits->Take(gw::RateAction::kLogin, "a:" + std::to_string(i), t0 + absl::Seconds(1));
  }
  double buckets = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name == "shopcast_gateway_rate_limit_buckets") {
      buckets = family.metric[0].gauge.value;
    }
  }
  CHECK(buckets <= 1600);
  CHECK(buckets > 100);
}

TEST_CASE("rate limit flag syntax") {
  auto o = gw::ParseRateLimits("login=5/0.5, chat=20/2", gw::DefaultRateLimitOptions());
  REQUIRE(o.ok());
  CHECK(o->buckets[static_cast<size_t>(gw::RateAction::kLogin)].burst == 5);
  CHECK(o->buckets[static_cast<size_t>(gw::RateAction::kChat)].per_second == 2);
  CHECK_FALSE(gw::ParseRateLimits("lgin=5/1", {}).ok());
  CHECK_FALSE(gw::ParseRateLimits("chat=0/1", {}).ok());
  CHECK_FALSE(gw::ParseRateLimits("chat=5", {}).ok());
}

TEST_CASE("the handler refuses what it can without calling a service") {
  auto h = Handler();
  Answer missing = Send(*h, Post("/api/v1/user/Nope"));
  CHECK(missing.status() == 404);
  CHECK(missing.reason() == "ROUTE_NOT_FOUND");
  CHECK(missing.json()["requestId"] == "req-test-1");

  Answer get = Send(*h, Request(http::verb::get, "/api/v1/user/Login"));
  CHECK(get.status() == 405);
  CHECK(get.header(http::field::allow) == "POST");
  Answer put = Send(*h, Request(http::verb::put, "/api/v1/gateway/GetServerInfo"));
  CHECK(put.status() == 405);
  CHECK(put.header(http::field::allow) == "GET, POST");

  Answer form = Send(*h, Request(http::verb::post, "/api/v1/user/Login", "login=a",
                                 "application/x-www-form-urlencoded"));
  CHECK(form.status() == 415);
  Answer big = Send(*h, Post("/api/v1/user/Login", std::string(70 * 1024, ' ')));
  CHECK(big.status() == 413);
  CHECK(big.reason() == "BODY_TOO_LARGE");
  Answer unknown = Send(*h, Post("/api/v1/user/Login", R"({"user":"a"})"));
  CHECK(unknown.status() == 400);
  CHECK(unknown.reason() == "UNKNOWN_FIELD");
  CHECK(unknown.res[http::field::content_type] == "application/json");

  // Tokens: a forged one is 401 on every route; a route that needs one says so.
  auto forged = Post("/api/v1/user/GetUser", R"({"userId":"usr_1"})");
  forged.set(http::field::authorization, "Bearer forged");
  Answer f = Send(*h, std::move(forged));
  CHECK(f.status() == 401);
  CHECK(f.reason() == "TOKEN_BAD_SIGNATURE");
  Answer anon = Send(*h, Post("/api/v1/realtime-push/SendChat", R"({"streamId":"str_1"})"));
  CHECK(anon.status() == 401);
  CHECK(anon.reason() == "TOKEN_MISSING");
  auto basic = Post("/api/v1/user/GetMe");
  basic.set(http::field::authorization, "Basic YTpi");
  CHECK(Send(*h, std::move(basic)).reason() == "TOKEN_MALFORMED");

  // Session calls ignore (and never forward) a stale token: a client can still refresh.
  auto stale = Post("/api/v1/user/Refresh", R"({"refreshToken":"rt"})");
  stale.set(http::field::authorization, "Bearer expired-long-ago");
  CHECK(Send(*h, std::move(stale)).reason() == "SERVICE_NOT_CONFIGURED");

  // A configured service without a channel is 503, not a hang.
  auto chat = Post("/api/v1/realtime-push/SendChat", R"({"streamId":"str_1","text":"hi"})");
  chat.set(http::field::authorization, "Bearer good");
  Answer unconfigured = Send(*h, std::move(chat));
  CHECK(unconfigured.status() == 503);
  CHECK(unconfigured.reason() == "SERVICE_NOT_CONFIGURED");
}

TEST_CASE("the gateway's own methods and the OpenAPI document are served locally") {
  auto h = Handler();
  Answer info = Send(*h, Request(http::verb::get, "/api/v1/gateway/GetServerInfo"));
  REQUIRE(info.status() == 200);
  CHECK(info.json()["version"] == "0.1.0");
  CHECK(info.json()["apiVersions"][0] == "v1");
  CHECK(info.json().contains("serverTime"));
  Answer config = Send(*h, Post("/api/v1/gateway/GetClientConfig", "{}"));
  REQUIRE(config.status() == 200);
  CHECK(config.json()["config"]["websocketUrl"] == "wss://shop.test/ws/v1");
  Answer doc = Send(*h, Request(http::verb::get, "/openapi.json?x=1"));
  REQUIRE(doc.status() == 200);
  CHECK(doc.json()["openapi"] == "3.1.0");
  CHECK(Send(*h, Post("/openapi.json")).status() == 405);
}

TEST_CASE("a caller over its limit gets 429 with Retry-After and RATE_LIMITED") {
  gw::RateLimitOptions o = gw::DefaultRateLimitOptions();
  o.buckets[static_cast<size_t>(gw::RateAction::kOtherWrite)] = {2, 0.1};
  auto h = Handler(o);
  auto post = [&] {
    auto r = Post("/api/v1/realtime-push/JoinRoom", R"({"streamId":"str_1"})");
    r.set(http::field::authorization, "Bearer good");
    return Send(*h, std::move(r));
  };
  CHECK(post().reason() == "SERVICE_NOT_CONFIGURED");  // allowed, then no channel
  CHECK(post().reason() == "SERVICE_NOT_CONFIGURED");
  Answer limited = post();
  CHECK(limited.status() == 429);
  CHECK(limited.reason() == "RATE_LIMITED");
  CHECK(limited.header(http::field::retry_after) == "10");
}

TEST_CASE("letting the handler go cancels the calls in flight and answers each one first") {
  HangingService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server != nullptr);

  gw::ApiOptions o;
  o.channels["user"] =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto made =
      gw::MakeApiHandler(o, std::make_shared<FixedAccess>(),
                         gw::MakeRateLimits(gw::DefaultRateLimitOptions(), nullptr), nullptr);
  REQUIRE(made.ok());
  std::shared_ptr<gw::RouteHandler> h = *std::move(made);
  constexpr int kCalls = 3;
  std::vector<std::future<gw::HttpResponse>> answers;
  for (int i = 0; i < kCalls; ++i) {
    auto req = Post("/api/v1/user/GetMe", "{}");
    req.set(http::field::authorization, "Bearer good");
    gw::RequestContext ctx;
    ctx.request_id = "req-" + std::to_string(i);
    ctx.client_address = "198.51.100.10";
    ctx.received = absl::Now();
    auto promise = std::make_shared<std::promise<gw::HttpResponse>>();
    answers.push_back(promise->get_future());
    h->Handle(std::move(req), ctx,
              [promise](gw::HttpResponse res) { promise->set_value(std::move(res)); });
  }
  REQUIRE(shopcast::testing::WaitUntil([&] { return service.calls.load() == kCalls; },
                                       absl::Seconds(30)));
  for (auto& a : answers) CHECK(a.wait_for(std::chrono::seconds(0)) != std::future_status::ready);

  // Let go on another thread, so a handler that never returns fails the test instead of hanging.
  auto released = std::make_shared<std::promise<void>>();
  std::future<void> done = released->get_future();
  std::thread([h = std::move(h), released]() mutable {
    h.reset();
    released->set_value();
  }).detach();
  REQUIRE(done.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  // By then every request had its answer: its call cancelled, 499 as grpc-gateway maps it.
  for (auto& a : answers) {
    REQUIRE(a.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    Answer answer{a.get()};
    CHECK(answer.status() == 499);
  }
  CHECK(shopcast::testing::WaitUntil([&] { return service.cancelled.load() == kCalls; },
                                     absl::Seconds(30)));
  server->Shutdown();
}
