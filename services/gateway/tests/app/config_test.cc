// The gateway's configuration from flags: defaults, derived URLs, refusals naming the flag.

#include "app/config.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "app/gateway_service.h"
#include "catch2/catch.hpp"

ABSL_DECLARE_FLAG(std::string, http_addr);
ABSL_DECLARE_FLAG(std::string, public_url);
ABSL_DECLARE_FLAG(bool, behind_tls_proxy);
ABSL_DECLARE_FLAG(std::string, supported_currencies);
ABSL_DECLARE_FLAG(std::string, features);
ABSL_DECLARE_FLAG(std::string, order_addr);
ABSL_DECLARE_FLAG(std::string, cors_origins);
ABSL_DECLARE_FLAG(std::string, build_revision);
ABSL_DECLARE_FLAG(absl::Duration, ws_idle_timeout);
ABSL_DECLARE_FLAG(std::string, image_origin);

namespace shopcast::gateway {
namespace {

TEST_CASE("defaults load: loopback HTTP, URLs derived from it, no database needed") {
  absl::FlagSaver saver;
  auto c = LoadConfig();
  REQUIRE(c.ok());
  CHECK(c->http.listen_address == "127.0.0.1:8080");
  CHECK(c->public_url == "http://127.0.0.1:8080");
  CHECK(c->db_dsn.empty());
  CHECK(c->image_origin.empty());  // /images/ not served until an origin is given
  v1::ClientConfig client = MakeClientConfig(*c);
  CHECK(client.websocket_url() == "ws://127.0.0.1:8080/ws/v1");
  CHECK(client.live_hls_base_url() == "http://127.0.0.1:8080/live/");
  CHECK(client.supported_currencies_size() == 5);
  CHECK(client.features().at("auctions"));
  CHECK(client.limits().max_client_frame_bytes() == 16 * 1024);
  CHECK(client.idle_timeout().seconds() == 45);
  CHECK(client.token_issuer() == "shopcast-user");
}

TEST_CASE("a public https URL gives wss and features can be switched off") {
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_public_url, "https://shop.example/");
  absl::SetFlag(&FLAGS_features, "auctions=false, clips");
  auto c = LoadConfig();
  REQUIRE(c.ok());
  v1::ClientConfig client = MakeClientConfig(*c);
  CHECK(client.websocket_url() == "wss://shop.example/ws/v1");
  CHECK(client.live_hls_base_url() == "https://shop.example/live/");
  CHECK_FALSE(client.features().at("auctions"));
  CHECK(client.features().at("clips"));
}

TEST_CASE("bad values are refused, naming the flag") {
  struct Case {
    std::function<void()> set;
    const char* names;
  };
  const std::vector<Case> cases = {
      {[] { absl::SetFlag(&FLAGS_http_addr, "0.0.0.0:8080"); }, "behind_tls_proxy"},
      {[] { absl::SetFlag(&FLAGS_public_url, "shop.example"); }, "public_url"},
      {[] { absl::SetFlag(&FLAGS_supported_currencies, "USD,euro"); }, "supported_currencies"},
      {[] { absl::SetFlag(&FLAGS_features, "x=maybe"); }, "features"},
      {[] { absl::SetFlag(&FLAGS_order_addr, "order"); }, "order_addr"},
      {[] { absl::SetFlag(&FLAGS_cors_origins, "https://a.test/path"); }, "cors origin"},
      {[] { absl::SetFlag(&FLAGS_build_revision, "abc"); }, "build_revision"},
      {[] { absl::SetFlag(&FLAGS_ws_idle_timeout, absl::Seconds(5)); }, "ws_idle_timeout"},
      {[] { absl::SetFlag(&FLAGS_image_origin, "product-inventory:8098"); }, "image_origin"},
      {[] { absl::SetFlag(&FLAGS_image_origin, "http://pi:8098/images/"); }, "image_origin"},
  };
  for (const Case& k : cases) {
    absl::FlagSaver saver;
    k.set();
    auto c = LoadConfig();
    INFO(k.names);
    REQUIRE_FALSE(c.ok());
    CHECK(absl::StrContains(c.status().message(), k.names));
  }
  absl::FlagSaver saver;
  absl::SetFlag(&FLAGS_http_addr, "0.0.0.0:8080");
  absl::SetFlag(&FLAGS_behind_tls_proxy, true);
  CHECK(LoadConfig().ok());
}

}  // namespace
}  // namespace shopcast::gateway
