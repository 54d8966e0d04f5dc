// The JSON API end to end: the RouteHandler driven as the HTTP server drives it, against real
// user and product-inventory processes on real PostgreSQL, with the edge access check fetching
// the user service's keys and revocations over its internal listener (the gateway's
// certificate), as in production.
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/api_handler.h"
#include "api/cookies.h"
#include "auth/user_keys.h"
#include "handler_support.h"
#include "limits/token_buckets.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "shopcast/user/v1/user.pb.h"

namespace gw = shopcast::gateway;
using namespace shopcast::gateway::testing;  // NOLINT: test file
using shopcast::testing::ChildProcess;

namespace {

constexpr char kPassword[] = "correct horse battery";

// User and product-inventory binaries, their databases, and the API handler in front of them.
struct World {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user", "gateway", "product-inventory"}};
  shopcast::testing::TestDatabase user_db = shopcast::testing::TestDatabase::Create();
  shopcast::testing::TestDatabase pi_db = shopcast::testing::TestDatabase::Create();
  shopcast::auth::SigningKey key;
  std::unique_ptr<ChildProcess> user;
  std::unique_ptr<ChildProcess> pi;
  // Before the handler: its access check's revocation thread counts into it until the handler
  // is gone (members are destroyed last to first).
  prometheus::Registry metrics;
  std::shared_ptr<gw::RouteHandler> api;

  explicit World(gw::RateLimitOptions limits = gw::DefaultRateLimitOptions()) {
    key = shopcast::auth::GenerateSigningKey("").value();
    key.kid = shopcast::auth::KeyIdFor(key.public_pem);  // as the service names it
    const std::string key_file = dir.File("signing.pem");
    std::ofstream(key_file) << key.private_pem;
    std::ofstream(dir.File("page.key")) << shopcast::ids::NewSecret(32);
    auto user_tls = pki.FilesOf("user");
    user = std::make_unique<ChildProcess>(
        std::vector<std::string>{SHOPCAST_USER_BIN, "serve"},
        std::vector<std::string>{
            "SHOPCAST_USER_GRPC_ADDR=127.0.0.1:0", "SHOPCAST_USER_METRICS_ADDR=127.0.0.1:0",
            "SHOPCAST_USER_DB_DSN=" + user_db.dsn(), "SHOPCAST_USER_SIGNING_KEY_FILE=" + key_file,
            "SHOPCAST_USER_PAGE_TOKEN_KEY_FILE=" + dir.File("page.key"),
            "SHOPCAST_USER_DB_POOL_SIZE=2", "SHOPCAST_USER_DRAIN_TIMEOUT=5s",
            "SHOPCAST_USER_INTERNAL_GRPC_ADDR=127.0.0.1:0",
            "SHOPCAST_USER_SERVICE_CA_FILE=" + user_tls.ca_file,
            "SHOPCAST_USER_SERVICE_CERT_FILE=" + user_tls.cert_file,
            "SHOPCAST_USER_SERVICE_KEY_FILE=" + user_tls.key_file},
        dir.File("user.log"));
    const std::string p = "SHOPCAST_PRODUCT_INVENTORY_";
    auto pi_tls = pki.FilesOf("product-inventory");
    pi = std::make_unique<ChildProcess>(
        std::vector<std::string>{SHOPCAST_PRODUCT_INVENTORY_BIN, "serve"},
        std::vector<std::string>{
            p + "GRPC_ADDR=127.0.0.1:0", p + "METRICS_ADDR=127.0.0.1:0",
            p + "INTERNAL_GRPC_ADDR=127.0.0.1:0", p + "SERVICE_CA_FILE=" + pi_tls.ca_file,
            p + "SERVICE_CERT_FILE=" + pi_tls.cert_file, p + "SERVICE_KEY_FILE=" + pi_tls.key_file,
            p + "DB_DSN=" + pi_db.dsn(), p + "DB_POOL_SIZE=4", p + "VERIFY_KEY_FILES=" + key_file,
            p + "PAGE_TOKEN_KEY_FILE=" + dir.File("page.key"), p + "DRAIN_TIMEOUT=5s"},
        dir.File("pi.log"));
    const auto user_started = user->WaitForLogEvent("server_started", absl::Seconds(60));
    const auto pi_started = pi->WaitForLogEvent("server_started", absl::Seconds(60));
    auto user_internal = shopcast::clients::MakeInternalChannel(
        "user", absl::StrCat("127.0.0.1:", user_started["internal_grpc_port"].get<int>()),
        pki.Of("gateway"));
    REQUIRE(user_internal.ok());
    gw::ApiOptions o;
    o.channels["user"] = *user_internal;
    o.channels["product-inventory"] =
        shopcast::testing::LocalChannel(pi_started["grpc_port"].get<int>());
    o.allowed_origins = {"https://app.shop.test"};
    auto access = gw::MakeAccessCheck(gw::AccessCheckOptions{}, *user_internal, &metrics);
    auto handler = gw::MakeApiHandler(o, access, gw::MakeRateLimits(limits, &metrics), &metrics);
    REQUIRE(handler.ok());
    api = *handler;
  }

  Answer Call(const std::string& path, const std::string& body, const std::string& token = "",
              const std::string& address = "198.51.100.10", const std::string& rid = "req-1") {
    auto req = Post(path, body);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    return Send(*api, std::move(req), address, true, rid);
  }

  std::string Register(const std::string& name) {
    Answer a = Call("/api/v1/user/Register",
                    absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                 R"(@example.com","password":")", kPassword, R"("})"));
    INFO(a.res.body());
    REQUIRE(a.status() == 200);
    return a.json()["user"]["id"];
  }

  Answer Login(const std::string& name, const std::string& address = "198.51.100.10") {
    return Call("/api/v1/user/Login",
                absl::StrCat(R"({"login":")", name, R"(","password":")", kPassword, R"("})"), "",
                address);
  }

  std::string AccessToken(const std::string& name) {
    Answer a = Login(name);
    INFO(a.res.body());
    REQUIRE(a.status() == 200);
    return a.json()["tokens"]["accessToken"];
  }

  void SetRole(const std::string& id, int role) {
    pqxx::connection c(user_db.dsn());
    pqxx::work tx(c);
    tx.exec_params0("UPDATE users SET role = $1 WHERE id = $2", role, id);
    tx.commit();
  }

  int64_t Count(shopcast::testing::TestDatabase& db, const std::string& table) {
    pqxx::connection c(db.dsn());
    pqxx::work tx(c);
    return tx.exec1("SELECT count(*) FROM " + c.quote_name(table))[0].as<int64_t>();
  }
};

// The cookie's value from a Set-Cookie header line, "" if that line is another cookie's.
std::string CookieFrom(const std::vector<std::string>& set_cookies, const std::string& name) {
  for (const std::string& c : set_cookies) {
    if (c.rfind(name + "=", 0) == 0)
      return c.substr(name.size() + 1, c.find(';') - name.size() - 1);
  }
  return "";
}

}  // namespace

TEST_CASE("register, login into a cookie, refresh by cookie only with CSRF proof, logout") {
  World w;
  w.Register("alice");
  Answer login = w.Login("alice");
  INFO(login.res.body());
  REQUIRE(login.status() == 200);
  auto body = login.json();
  CHECK_FALSE(body["tokens"]["accessToken"].get<std::string>().empty());
  CHECK(body["tokens"]["refreshToken"] == "");  // never in a body the browser sees
  CHECK(body["user"]["username"] == "alice");
  CHECK(body["user"]["followerCount"] == "0");  // defaults printed, int64 as a string
  const std::string refresh = CookieFrom(login.cookies(), gw::api::kRefreshCookie);
  const std::string csrf = CookieFrom(login.cookies(), gw::api::kCsrfCookie);
  REQUIRE(refresh.size() > 16);
  REQUIRE(csrf.size() > 16);
  for (const std::string& c : login.cookies()) {
    CHECK(c.find("Secure") != std::string::npos);
    CHECK(c.find("SameSite=Strict") != std::string::npos);
  }
  CHECK(login.cookies()[0].find("HttpOnly") != std::string::npos);

  auto refresh_request = [&](const std::string& csrf_header, const std::string& origin) {
    auto req = Post("/api/v1/user/Refresh");
    req.set(http::field::cookie, absl::StrCat(gw::api::kRefreshCookie, "=", refresh, "; ",
                                              gw::api::kCsrfCookie, "=", csrf));
    if (!csrf_header.empty()) req.set(gw::api::kCsrfHeader, csrf_header);
    if (!origin.empty()) req.set(http::field::origin, origin);
    return Send(*w.api, std::move(req));
  };
  // Without the header, with a wrong one, or from a foreign origin: refused before the user
  // service sees it, and the refresh token stays unspent.
  Answer no_csrf = refresh_request("", "");
  CHECK(no_csrf.status() == 403);
  CHECK(no_csrf.reason() == "CSRF_TOKEN_MISSING");
  CHECK(refresh_request("wrong", "").reason() == "CSRF_TOKEN_MISMATCH");
  CHECK(refresh_request(csrf, "https://evil.test").reason() == "ORIGIN_NOT_ALLOWED");
  // With the proof: a new pair, the refresh token rotated into a new cookie.
  Answer ok = refresh_request(csrf, "https://app.shop.test");
  INFO(ok.res.body());
  REQUIRE(ok.status() == 200);
  CHECK(ok.json()["tokens"]["refreshToken"] == "");
  const std::string rotated = CookieFrom(ok.cookies(), gw::api::kRefreshCookie);
  CHECK_FALSE(rotated.empty());
  CHECK(rotated != refresh);
  // The spent token again (a stolen cookie replayed): refused, and the cookies cleared.
  Answer reused = refresh_request(csrf, "");
  CHECK(reused.status() == 401);
  CHECK(reused.reason() == "REFRESH_TOKEN_REUSED");
  CHECK(CookieFrom(reused.cookies(), gw::api::kRefreshCookie).empty());
  CHECK(reused.cookies().size() == 2);

  // Logout by cookie clears both cookies.
  Answer again = w.Login("alice");
  auto logout = Post("/api/v1/user/Logout");
  const std::string csrf2 = CookieFrom(again.cookies(), gw::api::kCsrfCookie);
  logout.set(http::field::cookie, absl::StrCat(gw::api::kRefreshCookie, "=",
                                               CookieFrom(again.cookies(), gw::api::kRefreshCookie),
                                               "; ", gw::api::kCsrfCookie, "=", csrf2));
  logout.set(gw::api::kCsrfHeader, csrf2);
  Answer out = Send(*w.api, std::move(logout));
  INFO(out.res.body());
  CHECK(out.status() == 200);
  REQUIRE(out.cookies().size() == 2);
  CHECK(out.cookies()[0].find("Max-Age=0") != std::string::npos);
}

TEST_CASE("a password change replaces the session cookie, and the old cookie no longer refreshes") {
  World w;
  w.Register("petra");
  Answer login = w.Login("petra");
  REQUIRE(login.status() == 200);
  const std::string access = login.json()["tokens"]["accessToken"];
  const std::string old_refresh = CookieFrom(login.cookies(), gw::api::kRefreshCookie);
  auto refresh_with = [&](const std::string& refresh, const std::string& csrf) {
    auto req = Post("/api/v1/user/Refresh");
    req.set(http::field::cookie, absl::StrCat(gw::api::kRefreshCookie, "=", refresh, "; ",
                                              gw::api::kCsrfCookie, "=", csrf));
    req.set(gw::api::kCsrfHeader, csrf);
    return Send(*w.api, std::move(req));
  };

  Answer wrong =
      w.Call("/api/v1/user/ChangePassword",
             R"({"currentPassword":"not the password","newPassword":"a new passphrase"})", access);
  CHECK(wrong.status() == 400);
  CHECK(wrong.reason() == "CURRENT_PASSWORD_WRONG");
  CHECK(wrong.cookies().empty());
  Answer changed = w.Call(
      "/api/v1/user/ChangePassword",
      absl::StrCat(R"({"currentPassword":")", kPassword, R"(","newPassword":"a new passphrase"})"),
      access);
  INFO(changed.res.body());
  REQUIRE(changed.status() == 200);
  CHECK(changed.json()["tokens"]["refreshToken"] == "");  // only in the cookie
  CHECK_FALSE(changed.json()["tokens"]["accessToken"].get<std::string>().empty());
  const std::string new_refresh = CookieFrom(changed.cookies(), gw::api::kRefreshCookie);
  const std::string new_csrf = CookieFrom(changed.cookies(), gw::api::kCsrfCookie);
  REQUIRE_FALSE(new_refresh.empty());
  CHECK(new_refresh != old_refresh);

  Answer stale = refresh_with(old_refresh, CookieFrom(login.cookies(), gw::api::kCsrfCookie));
  CHECK(stale.status() == 401);
  CHECK(stale.reason() == "REFRESH_TOKEN_REVOKED");
  Answer kept = refresh_with(new_refresh, new_csrf);
  INFO(kept.res.body());
  CHECK(kept.status() == 200);
  // Signing in takes the new password only.
  CHECK(w.Login("petra").status() == 401);
  Answer again = w.Call("/api/v1/user/Login", R"({"login":"petra","password":"a new passphrase"})");
  CHECK(again.status() == 200);
}

TEST_CASE("a forgotten password is reset through JSON, per address and whatever token is held") {
  World w;
  w.Register("rhea");
  const std::string stale = "not.a.valid.token";  // an old tab's leftover: ignored, not refused
  Answer unknown = w.Call("/api/v1/user/RequestPasswordReset", R"({"email":"nobody@example.com"})",
                          stale, "198.51.100.20");
  INFO(unknown.res.body());
  CHECK(unknown.status() == 200);
  Answer asked = w.Call("/api/v1/user/RequestPasswordReset", R"({"email":"Rhea@Example.com"})",
                        stale, "198.51.100.20");
  INFO(asked.res.body());
  REQUIRE(asked.status() == 200);
  CHECK(unknown.res.body() == asked.res.body());  // nothing tells the two apart
  Answer bad =
      w.Call("/api/v1/user/RequestPasswordReset", R"({"email":"rhea"})", "", "198.51.100.20");
  CHECK(bad.status() == 400);
  CHECK(bad.reason() == "EMAIL_INVALID");

  // The token as realtime-push would mail it (the user service here has no sink: it waits in
  // the outbox, beside Register's confirmation e-mail).
  std::string token;
  {
    pqxx::connection c(w.user_db.dsn());
    pqxx::work tx(c);
    pqxx::binarystring bytes(
        tx.exec1("SELECT payload FROM outbox WHERE type = 'user.password_reset_requested'")[0]);
    shopcast::common::v1::Event e;
    REQUIRE(e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    shopcast::user::v1::PasswordResetRequested mail;
    REQUIRE(e.payload().UnpackTo(&mail));
    token = mail.reset_token();
  }
  const std::string body =
      absl::StrCat(R"({"resetToken":")", token, R"(","newPassword":"a reset passphrase"})");
  Answer reset = w.Call("/api/v1/user/ResetPassword", body, stale, "198.51.100.20");
  INFO(reset.res.body());
  CHECK(reset.status() == 200);
  CHECK(reset.cookies().empty());  // no session: the user signs in with the new password
  Answer again = w.Call("/api/v1/user/ResetPassword", body, "", "198.51.100.20");
  CHECK(again.status() == 400);
  CHECK(again.reason() == "RESET_TOKEN_INVALID");
  CHECK(w.Login("rhea").status() == 401);
  CHECK(w.Call("/api/v1/user/Login", R"({"login":"rhea","password":"a reset passphrase"})")
            .status() == 200);

  // Five e-mails a minute per address at most, then 429 with Retry-After.
  int limited = 0;
  for (int i = 0; i < 8; ++i) {
    Answer a = w.Call("/api/v1/user/RequestPasswordReset", R"({"email":"rhea@example.com"})", "",
                      "198.51.100.21");
    if (a.status() == 429) {
      ++limited;
      CHECK(a.reason() == "RATE_LIMITED");
    }
  }
  CHECK(limited == 3);
}

TEST_CASE("a host creates a product through JSON and gets its violations back as JSON fields") {
  World w;
  const std::string admin_id = w.Register("adele");
  const std::string host_id = w.Register("hank");
  w.SetRole(admin_id, 3);
  w.SetRole(host_id, 2);
  const std::string admin = w.AccessToken("adele");
  const std::string host = w.AccessToken("hank");
  Answer type = w.Call("/api/v1/product-inventory/CreateProductType", R"({"productType":{
      "name":"Mugs","parameters":[{"key":"size","label":"Size","kind":"PARAMETER_KIND_CHOICE",
      "required":true,"choices":["S","L"]}]}})",
                       admin);
  INFO(type.res.body());
  REQUIRE(type.status() == 200);
  const std::string type_id = type.json()["productType"]["id"];
  Answer profile = w.Call("/api/v1/product-inventory/CreateShippingProfile", R"({"shippingProfile":{
      "name":"Standard","originCountryCode":"US","handlingTime":"86400s",
      "rates":[{"countryCodes":["*"],"firstUnit":{"amountMinor":"500","currency":"USD"}}]}})",
                          host);
  INFO(profile.res.body());
  REQUIRE(profile.status() == 200);
  const std::string profile_id = profile.json()["shippingProfile"]["id"];

  auto draft = [&](const std::string& title, const std::string& price) {
    return absl::StrCat(
        R"({"product":{"productTypeId":")", type_id, R"(","title":")", title,
        R"(","parameters":{"size":{"choiceValue":"XL"}},"saleMode":"SALE_MODE_FIXED_PRICE",)",
        R"("price":{"amountMinor":")", price, R"(","currency":"USD"},"shippingProfileId":")",
        profile_id, R"("},"initialStock":"5","idempotencyKey":"mug-)", title.size(), R"("})");
  };
  Answer bad = w.Call("/api/v1/product-inventory/CreateProduct", draft("", "-5"), host);
  INFO(bad.res.body());
  CHECK(bad.status() == 400);
  auto j = bad.json();
  CHECK(j["code"] == "INVALID_ARGUMENT");
  CHECK(j["errorInfo"]["domain"] != "");
  CHECK_FALSE(j["errorInfo"]["reason"].get<std::string>().empty());
  REQUIRE(j["details"].size() == 1);
  CHECK(j["details"][0]["@type"] ==
        "type.googleapis.com/shopcast.product_inventory.v1.FieldViolations");
  std::set<std::string> fields;
  for (const auto& v : j["details"][0]["violations"]) fields.insert(v["field"].get<std::string>());
  CHECK(fields.size() >= 2);  // every problem at once: title, price, the size choice
  CHECK(w.Count(w.pi_db, "products") == 0);

  std::string good = draft("Enamel mug", "1500");
  good.replace(good.find("XL"), 2, "L");
  Answer made = w.Call("/api/v1/product-inventory/CreateProduct", good, host);
  INFO(made.res.body());
  REQUIRE(made.status() == 200);
  CHECK(made.json()["product"]["title"] == "Enamel mug");
  CHECK(w.Count(w.pi_db, "products") == 1);
  // A viewer may not: PERMISSION_DENIED maps to 403 with the service's reason.
  w.Register("vera");
  Answer viewer = w.Call("/api/v1/product-inventory/CreateProduct", good, w.AccessToken("vera"));
  CHECK(viewer.status() == 403);
  CHECK_FALSE(viewer.reason().empty());
  // Anonymous GET-able reads are served without a token.
  Answer read = w.Call(
      "/api/v1/product-inventory/GetProduct",
      absl::StrCat(R"({"productId":")", made.json()["product"]["id"].get<std::string>(), R"("})"));
  INFO(read.res.body());
  CHECK(read.status() == 200);
}

TEST_CASE("forged and expired tokens are refused at the edge with 401 and nothing stored") {
  World w;
  const std::string host_id = w.Register("hope");
  w.SetRole(host_id, 2);
  const std::string profile = R"({"shippingProfile":{"name":"S","originCountryCode":"US",
      "handlingTime":"86400s","rates":[{"countryCodes":["*"],
      "firstUnit":{"amountMinor":"500","currency":"USD"}}]}})";
  // Signed by another key under the real kid; by an unknown kid; expired; garbage.
  auto other = shopcast::auth::GenerateSigningKey(w.key.kid).value();
  shopcast::auth::TokenIssuer forger(other, "shopcast-user", "shopcast", absl::Minutes(15));
  shopcast::auth::TokenIssuer stranger(shopcast::auth::GenerateSigningKey("nobody").value(),
                                       "shopcast-user", "shopcast", absl::Minutes(15));
  shopcast::auth::TokenIssuer real(w.key, "shopcast-user", "shopcast", absl::Minutes(15));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {forger.Issue(host_id, shopcast::auth::Role::kHost, absl::Now())->token,
       "TOKEN_BAD_SIGNATURE"},
      {stranger.Issue(host_id, shopcast::auth::Role::kHost, absl::Now())->token,
       "TOKEN_UNKNOWN_KEY"},
      {real.Issue(host_id, shopcast::auth::Role::kHost, absl::Now() - absl::Hours(2))->token,
       "TOKEN_EXPIRED"},
      {"not.a.token", "TOKEN_MALFORMED"}};
  int n = 0;
  for (const auto& [token, reason] : cases) {
    const std::string rid = absl::StrCat("req-forged-", n++);
    Answer a = w.Call("/api/v1/product-inventory/CreateShippingProfile", profile, token,
                      "198.51.100.10", rid);
    INFO(reason << " " << a.res.body());
    CHECK(a.status() == 401);
    CHECK(a.reason() == reason);
    CHECK(a.json()["requestId"] == rid);
    CHECK(w.pi->log().find(rid) == std::string::npos);  // never forwarded
  }
  CHECK(w.Count(w.pi_db, "shipping_profiles") == 0);
  // The real token of the same host works (the keys were fetched from the user service).
  Answer ok = w.Call("/api/v1/product-inventory/CreateShippingProfile", profile,
                     real.Issue(host_id, shopcast::auth::Role::kHost, absl::Now())->token);
  INFO(ok.res.body());
  CHECK(ok.status() == 200);
  CHECK(w.Count(w.pi_db, "shipping_profiles") == 1);

  // A token voided by logout-everywhere is refused at the edge once the revocation arrives.
  Answer login = w.Login("hope");
  const std::string token = login.json()["tokens"]["accessToken"];
  auto logout = Post("/api/v1/user/Logout", R"({"allSessions":true})");
  const std::string csrf = CookieFrom(login.cookies(), gw::api::kCsrfCookie);
  logout.set(http::field::cookie, absl::StrCat(gw::api::kRefreshCookie, "=",
                                               CookieFrom(login.cookies(), gw::api::kRefreshCookie),
                                               "; ", gw::api::kCsrfCookie, "=", csrf));
  logout.set(gw::api::kCsrfHeader, csrf);
  REQUIRE(Send(*w.api, std::move(logout)).status() == 200);
  CHECK(shopcast::testing::WaitUntil(
      [&] { return w.Call("/api/v1/user/GetMe", "", token).reason() == "TOKEN_REVOKED"; },
      absl::Seconds(20)));
}

TEST_CASE("login is rate limited per client address with 429 and Retry-After") {
  gw::RateLimitOptions limits = gw::DefaultRateLimitOptions();
  limits.buckets[static_cast<size_t>(gw::RateAction::kLogin)] = {3, 0.01};
  World w(limits);
  const std::string id = w.Register("lars");
  for (int i = 0; i < 3; ++i) REQUIRE(w.Login("lars", "203.0.113.5").status() == 200);
  Answer limited = w.Login("lars", "203.0.113.5");
  CHECK(limited.status() == 429);
  CHECK(limited.reason() == "RATE_LIMITED");
  CHECK(std::stoi(limited.header(http::field::retry_after)) >= 90);
  // Another client is not affected.
  CHECK(w.Login("lars", "203.0.113.6").status() == 200);
  // The user service saw the browsers' addresses, not the gateway's (x-shopcast-client-address
  // from the gateway's certificate), so its own login throttling works per client.
  pqxx::connection c(w.user_db.dsn());
  pqxx::work tx(c);
  std::set<std::string> seen;
  for (const auto& row :
       tx.exec_params("SELECT address FROM login_known_addresses WHERE user_id = $1", id)) {
    seen.insert(row[0].as<std::string>());
  }
  CHECK(seen == std::set<std::string>{"203.0.113.5", "203.0.113.6"});
}

TEST_CASE("bad JSON is refused with 400 and a reason, and nothing is stored") {
  World w;
  const std::string host_id = w.Register("hilda");
  w.SetRole(host_id, 2);
  const std::string host = w.AccessToken("hilda");
  const std::string path = "/api/v1/product-inventory/CreateShippingProfile";
  std::string deep = R"({"shippingProfile":{"rates":[)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "]}}";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {deep, "JSON_TOO_DEEP"},
      {"{\"shippingProfile\":{\"name\":\"caf\xe9\"}}", "JSON_BAD_UTF8"},
      {R"({"shippingProfile":{"name":"\udc01"}})", "JSON_BAD_UTF8"},
      {R"({"shippingProfile":{"name":"S","isAdmin":true}})", "UNKNOWN_FIELD"},
      {R"({"shippingProfile":{"name":"S"})", "JSON_MALFORMED"},
      {R"({"shippingProfile":{"handlingTime":"a day"}})", "JSON_MALFORMED"},
  };
  for (const auto& [body, reason] : cases) {
    Answer a = w.Call(path, body, host);
    INFO(reason << " " << a.res.body());
    CHECK(a.status() == 400);
    CHECK(a.reason() == reason);
    CHECK(a.json()["code"] == "INVALID_ARGUMENT");
  }
  Answer big = w.Call(path, std::string(65 * 1024, ' ') + "{}", host);
  CHECK(big.status() == 413);
  auto form = Request(http::verb::post, path, "name=S", "text/plain");
  form.set(http::field::authorization, "Bearer " + host);
  CHECK(Send(*w.api, std::move(form)).status() == 415);
  CHECK(w.Count(w.pi_db, "shipping_profiles") == 0);
}
