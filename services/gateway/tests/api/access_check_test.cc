// The edge access check against a real user process: keys fetched at the first check, a rotated
// key fetched on its first unknown kid, made-up kids costing at most one fetch per interval, and
// a clear 503 reason while the user service cannot be reached.
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "auth/user_keys.h"
#include "prometheus/registry.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace gw = shopcast::gateway;
using shopcast::testing::ChildProcess;

namespace {

struct UserWorld {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user", "gateway"}};
  shopcast::testing::TestDatabase db = shopcast::testing::TestDatabase::Create();
  std::unique_ptr<ChildProcess> user;
  int internal_port = 0;

  UserWorld() { std::ofstream(dir.File("page.key")) << shopcast::ids::NewSecret(32); }

  // A key written to `name`, named as the service names keys it loads.
  shopcast::auth::SigningKey Key(const std::string& name) {
    auto key = shopcast::auth::GenerateSigningKey("").value();
    key.kid = shopcast::auth::KeyIdFor(key.public_pem);
    std::ofstream(dir.File(name)) << key.private_pem;
    return key;
  }

  // (Re)starts the user binary signing with `key_file`, accepting `verify_files` too; the
  // internal listener keeps its port across restarts.
  void Start(const std::string& key_file, const std::string& verify_files = "") {
    user.reset();
    auto tls = pki.FilesOf("user");
    std::vector<std::string> env = {
        "SHOPCAST_USER_GRPC_ADDR=127.0.0.1:0",
        "SHOPCAST_USER_METRICS_ADDR=127.0.0.1:0",
        "SHOPCAST_USER_DB_DSN=" + db.dsn(),
        "SHOPCAST_USER_SIGNING_KEY_FILE=" + dir.File(key_file),
        "SHOPCAST_USER_PAGE_TOKEN_KEY_FILE=" + dir.File("page.key"),
        "SHOPCAST_USER_DB_POOL_SIZE=2",
        "SHOPCAST_USER_DRAIN_TIMEOUT=1s",
        absl::StrCat("SHOPCAST_USER_INTERNAL_GRPC_ADDR=127.0.0.1:", internal_port),
        "SHOPCAST_USER_SERVICE_CA_FILE=" + tls.ca_file,
        "SHOPCAST_USER_SERVICE_CERT_FILE=" + tls.cert_file,
        "SHOPCAST_USER_SERVICE_KEY_FILE=" + tls.key_file};
    if (!verify_files.empty()) {
      env.push_back("SHOPCAST_USER_VERIFY_KEY_FILES=" + dir.File(verify_files));
    }
    user = std::make_unique<ChildProcess>(std::vector<std::string>{SHOPCAST_USER_BIN, "serve"}, env,
                                          dir.File("user.log"));
    internal_port =
        user->WaitForLogEvent("server_started", absl::Seconds(60))["internal_grpc_port"];
  }

  std::shared_ptr<grpc::Channel> Channel() {
    auto ch = shopcast::clients::MakeInternalChannel(
        "user", absl::StrCat("127.0.0.1:", internal_port), pki.Of("gateway"));
    REQUIRE(ch.ok());
    return *ch;
  }
};

double Fetches(prometheus::Registry& registry, const std::string& result) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "shopcast_gateway_key_fetches_total") continue;
    for (const auto& m : family.metric) {
      if (m.label[0].value == result) return m.counter.value;
    }
  }
  return 0;
}

std::string TokenOf(const shopcast::auth::SigningKey& key, absl::Time at) {
  shopcast::auth::TokenIssuer issuer(key, "shopcast-user", "shopcast", absl::Minutes(15));
  return issuer.Issue("usr_01ARZ3NDEKTSV4RRFFQ69G5FAV", shopcast::auth::Role::kViewer, at)->token;
}

}  // namespace

TEST_CASE(
    "a rotated signing key is fetched on its first unknown kid and made-up kids cost little") {
  UserWorld w;
  auto a = w.Key("a.pem");
  w.Start("a.pem");
  prometheus::Registry registry;
  gw::AccessCheckOptions o;
  o.revocation_interval = absl::ZeroDuration();
  auto check = gw::MakeAccessCheck(o, w.Channel(), &registry);
  const absl::Time t0 = absl::Now();
  REQUIRE(check->Verify(TokenOf(a, t0), t0).ok());
  CHECK(Fetches(registry, "ok") == 1);

  // Tokens naming kids nobody issued: refused, and the user service is not asked again within
  // the refetch interval however many arrive.
  for (int i = 0; i < 50; ++i) {
    auto stranger = shopcast::auth::GenerateSigningKey(absl::StrCat("made-up-", i)).value();
    auto r = check->Verify(TokenOf(stranger, t0), t0 + absl::Milliseconds(i));
    CHECK(shopcast::ReasonOf(r.status()) == "TOKEN_UNKNOWN_KEY");
  }
  CHECK(Fetches(registry, "ok") + Fetches(registry, "failed") == 1);

  // The user service rotates to key b (a still accepted): b's first token brings the new keys.
  auto b = w.Key("b.pem");
  w.Start("b.pem", "a.pem");
  // Each try is past the refetch interval (the check's clock is the `now` it is given).
  absl::Time t1 = t0;
  const std::string token_b = TokenOf(b, absl::Now());
  CHECK(shopcast::testing::WaitUntil(
      [&] {
        t1 += absl::Seconds(10);
        return check->Verify(token_b, t1).ok();
      },
      absl::Seconds(30)));
  CHECK(Fetches(registry, "ok") == 2);
  CHECK(check->Verify(TokenOf(a, absl::Now()), t1).ok());
}

TEST_CASE("without the user service's keys, checks answer UNAVAILABLE with a reason") {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user", "gateway"}};
  // Nothing listens on port 1.
  auto ch = shopcast::clients::MakeInternalChannel("user", "127.0.0.1:1", pki.Of("gateway"));
  REQUIRE(ch.ok());
  gw::AccessCheckOptions o;
  o.revocation_interval = absl::ZeroDuration();
  o.key_fetch_deadline = absl::Milliseconds(500);
  auto check = gw::MakeAccessCheck(o, *ch, nullptr);
  auto key = shopcast::auth::GenerateSigningKey("k").value();
  auto r = check->Verify(TokenOf(key, absl::Now()), absl::Now());
  CHECK(r.status().code() == absl::StatusCode::kUnavailable);
  CHECK(shopcast::ReasonOf(r.status()) == "SIGNING_KEYS_UNAVAILABLE");
}
