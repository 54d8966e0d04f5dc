// Product images through the gateway's own origin, end to end: the gateway binary in front of
// real user and product-inventory processes on real PostgreSQL. A host uploads a photo through
// the JSON API; every rendition the answer lists is fetched at its URL — a same-origin
// /images/<key> — from the gateway: the bytes product-inventory stored (hashing to the key), the
// type, immutable caching, 304 on the ETag, HEAD. Bad keys never reach product-inventory;
// unknown keys are 404; with product-inventory stopped the gateway says 502.
#include <openssl/sha.h>
#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "images/image_proxy.h"
#include "nlohmann/json.hpp"
#include "proxy_harness.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "test_images.h"

namespace shopcast::gateway::images {
namespace {

using http_files::testing::Exchange;
using http_files::testing::GetRequest;
using http_files::testing::RawResponse;
using shopcast::testing::ChildProcess;

constexpr char kPassword[] = "correct horse battery";

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string hex;
  for (unsigned char b : digest) absl::StrAppend(&hex, absl::Hex(b, absl::kZeroPad2));
  return hex;
}

// Sum of a counter family's samples in Prometheus text (every label set).
double CounterSum(const std::string& text, const std::string& family) {
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, family) || line.size() <= family.size() ||
        (line[family.size()] != '{' && line[family.size()] != ' ')) {
      continue;
    }
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) sum += v;
  }
  return sum;
}

// user, product-inventory (with its image origin on port 0) and the gateway binary in front.
struct World {
  shopcast::testing::TempDir dir;
  auth::testing::DevPki pki{dir.File("pki"), {"user", "gateway", "product-inventory"}};
  shopcast::testing::TestDatabase user_db = shopcast::testing::TestDatabase::Create();
  shopcast::testing::TestDatabase pi_db = shopcast::testing::TestDatabase::Create();
  std::unique_ptr<ChildProcess> user;
  std::unique_ptr<ChildProcess> pi;
  std::unique_ptr<ChildProcess> gateway;
  int pi_grpc = 0;
  int pi_http = 0;
  int pi_metrics = 0;
  uint16_t http = 0;
  int gateway_metrics = 0;

  World() {
    auth::SigningKey key = auth::GenerateSigningKey("").value();
    const std::string key_file = dir.File("signing.pem");
    std::ofstream(key_file) << key.private_pem;
    std::ofstream(dir.File("page.key")) << ids::NewSecret(32);
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
            p + "PAGE_TOKEN_KEY_FILE=" + dir.File("page.key"), p + "DRAIN_TIMEOUT=5s",
            p + "IMAGE_ROOT=" + dir.File("images"), p + "HTTP_ADDR=127.0.0.1:0",
            p + "IMAGE_URL_PREFIX=/images/"},
        dir.File("pi.log"));
    const auto user_started = user->WaitForLogEvent("server_started", absl::Seconds(60));
    pi_metrics = pi->WaitForLogEvent("server_started", absl::Seconds(60))["metrics_port"];
    const auto pi_serving = pi->WaitForLogEvent("serving", absl::Seconds(60));
    pi_grpc = pi_serving["grpc_port"];
    pi_http = pi_serving["http_port"];
    REQUIRE(pi_http > 0);

    const std::string g = "SHOPCAST_GATEWAY_";
    auto gw_tls = pki.FilesOf("gateway");
    gateway = std::make_unique<ChildProcess>(
        std::vector<std::string>{SHOPCAST_GATEWAY_BIN, "serve"},
        std::vector<std::string>{
            g + "GRPC_ADDR=127.0.0.1:0", g + "METRICS_ADDR=127.0.0.1:0",
            g + "HTTP_ADDR=127.0.0.1:0", g + "WEB_ROOT=" + dir.File("dist"),
            g + "SERVICE_CA_FILE=" + gw_tls.ca_file, g + "SERVICE_CERT_FILE=" + gw_tls.cert_file,
            g + "SERVICE_KEY_FILE=" + gw_tls.key_file,
            g + "USER_ADDR=127.0.0.1:" + std::to_string(user_started["grpc_port"].get<int>()),
            g + "USER_INTERNAL_ADDR=127.0.0.1:" +
                std::to_string(user_started["internal_grpc_port"].get<int>()),
            g + "PRODUCT_INVENTORY_ADDR=127.0.0.1:" + std::to_string(pi_grpc),
            g + "VIDEO_INGEST_INTERNAL_ADDR=127.0.0.1:1",
            g + "IMAGE_ORIGIN=http://127.0.0.1:" + std::to_string(pi_http), g + "DRAIN_TIMEOUT=5s"},
        dir.File("gateway.log"));
    const auto ready = gateway->WaitForLogEvent("gateway_ready", absl::Seconds(60));
    http = static_cast<uint16_t>(ready["http_port"].get<int>());
    gateway_metrics = ready["metrics_port"];
  }

  RawResponse Post(const std::string& path, const std::string& body,
                   const std::string& token = "") {
    std::string req = absl::StrCat("POST ", path,
                                   " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                   "application/json\r\nContent-Length: ",
                                   body.size(), "\r\n");
    if (!token.empty()) absl::StrAppend(&req, "Authorization: Bearer ", token, "\r\n");
    absl::StrAppend(&req, "\r\n", body);
    return Exchange(http, req);
  }

  nlohmann::json Ok(const std::string& path, const std::string& body,
                    const std::string& token = "") {
    RawResponse r = Post(path, body, token);
    INFO(path << " → " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return nlohmann::json::parse(r.body);
  }

  std::string Account(const std::string& name, int role) {
    const nlohmann::json made = Ok(
        "/api/v1/user/Register", absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                              R"(@example.com","password":")", kPassword, R"("})"));
    pqxx::connection c(user_db.dsn());
    pqxx::work tx(c);
    tx.exec_params0("UPDATE users SET role = $1 WHERE id = $2", role,
                    made["user"]["id"].get<std::string>());
    tx.commit();
    return Ok("/api/v1/user/Login", absl::StrCat(R"({"login":")", name, R"(","password":")",
                                                 kPassword, R"("})"))["tokens"]["accessToken"];
  }

  // What product-inventory's image origin has answered so far (every status).
  double OriginRequests() {
    return CounterSum(shopcast::testing::HttpGet(pi_metrics, "/metrics").body,
                      "product_inventory_image_http_requests_total");
  }
};

RawResponse Get(uint16_t port, const std::string& target, const std::string& headers = "",
                const std::string& method = "GET") {
  return Exchange(port, GetRequest(target, headers, method), method == "HEAD");
}

std::string Reason(const RawResponse& r) {
  return nlohmann::json::parse(r.body)["errorInfo"]["reason"].get<std::string>();
}

TEST_CASE("a product photo uploaded through the JSON API is served at its same-origin URL") {
  World w;
  const std::string admin = w.Account("adele", 3);
  const std::string host = w.Account("hank", 2);
  const std::string type_id =
      w.Ok("/api/v1/product-inventory/CreateProductType",
           R"({"productType":{"name":"Mugs","parameters":[]}})", admin)["productType"]["id"];
  const std::string profile_id =
      w.Ok("/api/v1/product-inventory/CreateShippingProfile", R"({"shippingProfile":{
      "name":"Standard","originCountryCode":"US","handlingTime":"86400s",
      "rates":[{"countryCodes":["*"],"firstUnit":{"amountMinor":"500","currency":"USD"}}]}})",
           host)["shippingProfile"]["id"];
  const std::string product_id =
      w.Ok("/api/v1/product-inventory/CreateProduct",
           absl::StrCat(R"({"product":{"productTypeId":")", type_id,
                        R"(","title":"Enamel mug","saleMode":"SALE_MODE_FIXED_PRICE",)",
                        R"("price":{"amountMinor":"1500","currency":"USD"},"shippingProfileId":")",
                        profile_id, R"("},"initialStock":"5","idempotencyKey":"mug-1"})"),
           host)["product"]["id"];

  const std::string photo = product_inventory::images::testing::MakeImage(
      product_inventory::images::SourceFormat::kJpeg, 1600, 1200);
  const nlohmann::json uploaded =
      w.Ok("/api/v1/product-inventory/UploadProductImage",
           absl::StrCat(R"({"productId":")", product_id, R"(","image":")",
                        absl::Base64Escape(photo), R"("})"),
           host);
  const nlohmann::json& renditions = uploaded["image"]["renditions"];
  REQUIRE(renditions.size() >= 2);

  std::vector<std::string> keys;
  for (const nlohmann::json& r : renditions) {
    const std::string key = r["key"];
    const std::string url = r["url"];
    INFO(r.dump());
    keys.push_back(key);
    // The URL the web app puts in <img src>: a path on the gateway's own origin.
    CHECK(url == "/images/" + key);
    RawResponse got = Get(w.http, url);
    REQUIRE(got.status == 200);
    // The bytes product-inventory stored: its own origin serves the same, and they hash to the key.
    RawResponse direct = Get(static_cast<uint16_t>(w.pi_http), url);
    REQUIRE(direct.status == 200);
    CHECK(got.body == direct.body);
    CHECK(Sha256Hex(got.body) == key.substr(0, 64));
    CHECK(got.Header("content-type") == r["contentType"]);
    CHECK(got.Header("cache-control") == "public, max-age=31536000, immutable");
    CHECK(got.Header("x-content-type-options") == "nosniff");
    CHECK(got.Header("content-security-policy") == "default-src 'none'; sandbox");
    CHECK(got.Header("content-length") == std::to_string(got.body.size()));
    CHECK(got.Has("x-request-id"));
    const std::string etag = got.Header("etag");
    CHECK(etag == "\"" + key.substr(0, 64) + "\"");
    // Revalidation: 304 without a body, the same validators.
    RawResponse again = Get(w.http, url, "If-None-Match: " + etag + "\r\n");
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.Header("etag") == etag);
    CHECK(absl::StrContains(again.Header("cache-control"), "immutable"));
    CHECK(Get(w.http, url, "If-None-Match: \"other\"\r\n").status == 200);
    // HEAD: the length, no body.
    RawResponse head = Get(w.http, url, "", "HEAD");
    CHECK(head.status == 200);
    CHECK(head.Header("content-length") == std::to_string(got.body.size()));
    CHECK(head.body.empty());
  }
  // The product as anyone reads it lists the same URLs.
  const nlohmann::json product = w.Ok("/api/v1/product-inventory/GetProduct",
                                      absl::StrCat(R"({"productId":")", product_id, R"("})"));
  CHECK(product["product"]["images"][0]["renditions"][0]["url"] == renditions[0]["url"]);
  // No second origin for the page: the CSP allows images from 'self' only.
  RawResponse page = Get(w.http, "/");
  CHECK(absl::StrContains(page.Header("content-security-policy"), "img-src 'self' data: blob:;"));

  // Bad keys are refused by the gateway, and product-inventory never hears of them.
  const double before = w.OriginRequests();
  const std::string key = keys[0];
  const std::string hex = key.substr(0, 64);
  for (const std::string& target :
       {"/images/" + hex + ".WEBP", "/images/" + std::string(64, 'F') + ".webp",
        "/images/" + hex + ".png", "/images/" + hex.substr(0, 2) + "/" + key,
        "/images/" + std::string(200, 'a') + ".webp", "/images/" + hex + "%2ewebp"}) {
    INFO(target);
    RawResponse bad = Get(w.http, target);
    CHECK(bad.status == 400);
    CHECK(bad.Header("content-type") == "application/json");
    CHECK(Reason(bad) == "IMAGE_KEY_INVALID");
  }
  // Traversal, encoded separators and NUL: the server's own target rules refuse them first.
  for (const std::string& target :
       {std::string("/images/../etc/passwd"), "/images/%2e%2e/" + key,
        "/images/" + hex + "%2f.webp", std::string("/images/.%2e/x"), "/images/" + key + "%00"}) {
    INFO(target);
    RawResponse bad = Get(w.http, target);
    CHECK(bad.status == 400);
    CHECK(bad.Header("content-type") == "application/json");
  }
  RawResponse post = Get(w.http, "/images/" + key, "Content-Length: 0\r\n", "POST");
  CHECK(post.status == 405);
  CHECK(post.Header("allow") == "GET, HEAD");
  CHECK(w.OriginRequests() == before);

  // A key of the right shape that nobody stored: product-inventory says 404, so does the gateway.
  RawResponse unknown = Get(w.http, "/images/" + std::string(64, '0') + ".webp");
  CHECK(unknown.status == 404);
  CHECK(Reason(unknown) == "IMAGE_NOT_FOUND");
  CHECK(unknown.Header("cache-control") == "no-store");
  CHECK(w.OriginRequests() == before + 1);

  // A rendition larger than the proxy relays is 502, never a truncated image.
  {
    prometheus::Registry registry;
    ImageProxyOptions options;
    options.origin = "http://127.0.0.1:" + std::to_string(w.pi_http);
    options.max_response_bytes = 1024;
    REQUIRE(ValidateImageProxyOptions(options).ok());
    auto small = MakeImageProxy(options, &registry);
    size_t largest = 0;
    for (size_t i = 1; i < renditions.size(); ++i) {
      if (renditions[i]["width"].get<int>() > renditions[largest]["width"].get<int>()) largest = i;
    }
    HttpResponse big = hls::testing::Call(
        *small, hls::testing::Get(renditions[largest]["url"].get<std::string>()));
    CHECK(big.result_int() == 502);
    CHECK(nlohmann::json::parse(big.body())["errorInfo"]["reason"] == "IMAGE_TOO_LARGE");
  }

  const std::string metrics = shopcast::testing::HttpGet(w.gateway_metrics, "/metrics").body;
  CHECK(CounterSum(metrics, "gateway_images_requests_total") > 0);
  CHECK(absl::StrContains(metrics, "gateway_images_requests_total{outcome=\"not_modified\"}"));
  CHECK(absl::StrContains(metrics, "gateway_images_upstream_seconds"));
  CHECK(absl::StrContains(metrics, "gateway_http_requests_total{area=\"images\""));

  // product-inventory stopped: the gateway answers at once and says why.
  w.pi->Signal(SIGTERM);
  REQUIRE(w.pi->Wait(30000) == 0);
  RawResponse down = Get(w.http, "/images/" + key);
  CHECK(down.status == 502);
  CHECK(Reason(down) == "IMAGE_ORIGIN_UNAVAILABLE");
  CHECK(down.Header("cache-control") == "no-store");
  CHECK(shopcast::testing::WaitUntil(
      [&] { return absl::StrContains(w.gateway->log(), "images_upstream_failed"); },
      absl::Seconds(10)));
  // The access log has the path; the key is logged, never a query.
  CHECK(absl::StrContains(w.gateway->log(), "\"area\":\"images\""));
}

}  // namespace
}  // namespace shopcast::gateway::images
