// The image origin's flags: off by default, needs image_root, bounded connections; and the App's
// factory refuses an address or URL prefix it cannot serve.
#include <catch2/catch.hpp>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "app/config.h"
#include "image_http/image_server.h"

ABSL_DECLARE_FLAG(std::string, db_dsn);
ABSL_DECLARE_FLAG(std::string, verify_key_files);
ABSL_DECLARE_FLAG(std::string, image_root);
ABSL_DECLARE_FLAG(std::string, http_addr);
ABSL_DECLARE_FLAG(int, http_max_connections);

namespace shopcast::product_inventory {
namespace {

void Valid() {
  absl::SetFlag(&FLAGS_db_dsn, "host=127.0.0.1 dbname=product_inventory");
  absl::SetFlag(&FLAGS_verify_key_files, "/dev/null");
  absl::SetFlag(&FLAGS_image_root, "/var/lib/shopcast/images");
  absl::SetFlag(&FLAGS_http_addr, "");
  absl::SetFlag(&FLAGS_http_max_connections, 1000);
}

TEST_CASE("image_http config: off by default, on with an address") {
  Valid();
  auto c = LoadConfig();
  REQUIRE(c.ok());
  CHECK(c->http_addr.empty());
  CHECK(c->http_max_connections == 1000);
  absl::SetFlag(&FLAGS_http_addr, "127.0.0.1:0");
  c = LoadConfig();
  REQUIRE(c.ok());
  CHECK(c->http_addr == "127.0.0.1:0");
  Valid();
}

TEST_CASE("image_http config: an origin without image_root, or unbounded, stops the start") {
  Valid();
  absl::SetFlag(&FLAGS_http_addr, "127.0.0.1:0");
  absl::SetFlag(&FLAGS_image_root, "");
  auto c = LoadConfig();
  REQUIRE_FALSE(c.ok());
  CHECK(absl::StrContains(c.status().message(), "image_root"));
  Valid();
  for (int bad : {0, 100'001}) {
    absl::SetFlag(&FLAGS_http_max_connections, bad);
    c = LoadConfig();
    REQUIRE_FALSE(c.ok());
    CHECK(absl::StrContains(c.status().message(), "http_max_connections"));
  }
  Valid();
}

TEST_CASE("image_http: the server is refused a bad address or an unservable prefix") {
  image_http::ImageServerOptions o;
  o.image_root = "/nonexistent";
  o.image_url_prefix = "/images/";
  for (const char* addr : {"", "8098", "localhost:8098", "127.0.0.1:70000"}) {
    INFO(addr);
    o.http_addr = addr;
    CHECK(absl::IsInvalidArgument(image_http::MakeImageServer(o, nullptr).status()));
  }
  o.http_addr = "127.0.0.1:0";
  for (const char* prefix : {"images/", "/a/../b/", "/i?x"}) {
    INFO(prefix);
    o.image_url_prefix = prefix;
    auto server = image_http::MakeImageServer(o, nullptr);
    REQUIRE_FALSE(server.ok());
    CHECK(absl::StrContains(server.status().message(), "image_url_prefix"));
  }
  o.image_url_prefix = "https://cdn.example/i/";
  CHECK(image_http::MakeImageServer(o, nullptr).ok());
}

}  // namespace
}  // namespace shopcast::product_inventory
