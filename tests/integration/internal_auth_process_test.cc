// Internal RPCs and stale authority across real processes: the user service and video-ingest
// run as operators run them (environment, real PostgreSQL, service certificates from
// tools/dev-pki), and are driven as a client, a peer service and an attacker would.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "shopcast/user/v1/user.grpc.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.grpc.pb.h"

namespace upb = shopcast::user::v1;
namespace vpb = shopcast::video_ingest::v1;
using shopcast::testing::ChildProcess;

namespace {

constexpr char kPassword[] = "correct horse battery";

// Polls `cond` until it holds or `timeout` passes (on the steady clock).
template <typename F>
bool Eventually(F cond, absl::Duration timeout = absl::Seconds(30)) {
  return shopcast::testing::WaitUntil(cond, timeout, absl::Milliseconds(50));
}

// The ports a host logged in its "server_started" line (it binds port 0).
struct Ports {
  int grpc = 0, internal = 0, metrics = 0;
};

Ports AwaitStarted(ChildProcess& p) {
  Ports ports;
  auto read = [&] {
    std::string log = p.log();
    size_t at = log.find("\"event\":\"server_started\"");
    if (at == std::string::npos) return false;
    size_t begin = log.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin;
    std::string line = log.substr(begin, log.find('\n', at) - begin);
    auto field = [&](const std::string& key) {
      std::smatch m;
      std::regex re("\"" + key + "\":(\\d+)");
      return std::regex_search(line, m, re) ? std::stoi(m[1]) : 0;
    };
    ports = {field("grpc_port"), field("internal_grpc_port"), field("metrics_port")};
    return true;
  };
  bool started = Eventually([&] { return read() || !p.running(); }, absl::Seconds(60));
  INFO(p.log());
  REQUIRE(started);
  REQUIRE(ports.grpc > 0);
  return ports;
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

std::string ReasonOf(const grpc::ClientContext& ctx) {
  auto md = ctx.GetServerTrailingMetadata();
  auto it = md.find("shopcast-error-reason");
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

std::string Target(int port) { return absl::StrCat("127.0.0.1:", port); }

// The user service and video-ingest, wired as tools/dev wires them.
struct Suite {
  shopcast::testing::TempDir dir;
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user", "video-ingest", "gateway"}};
  shopcast::testing::TestDatabase user_db = shopcast::testing::TestDatabase::Create();
  shopcast::testing::TestDatabase ingest_db = shopcast::testing::TestDatabase::Create();
  std::string key_path = dir.File("signing.pem");
  std::unique_ptr<ChildProcess> user;
  std::unique_ptr<ChildProcess> ingest;
  Ports user_ports, ingest_ports;
  int creates = 0;

  Suite() {
    std::ofstream(key_path) << shopcast::auth::GenerateSigningKey("k").value().private_pem;
    std::ofstream(dir.File("user-page.key")) << shopcast::ids::NewSecret(32);
    std::ofstream(dir.File("ingest-page.key")) << shopcast::ids::NewSecret(32);
    std::ofstream(dir.File("ingest-playback.key")) << shopcast::ids::NewSecret(32);
    auto u = pki.FilesOf("user");
    user = std::make_unique<ChildProcess>(
        std::vector<std::string>{SHOPCAST_USER_BIN, "serve"},
        std::vector<std::string>{
            "SHOPCAST_USER_GRPC_ADDR=127.0.0.1:0", "SHOPCAST_USER_INTERNAL_GRPC_ADDR=127.0.0.1:0",
            "SHOPCAST_USER_METRICS_ADDR=127.0.0.1:0", "SHOPCAST_USER_DB_DSN=" + user_db.dsn(),
            "SHOPCAST_USER_DB_POOL_SIZE=2", "SHOPCAST_USER_SIGNING_KEY_FILE=" + key_path,
            "SHOPCAST_USER_PAGE_TOKEN_KEY_FILE=" + dir.File("user-page.key"),
            "SHOPCAST_USER_SERVICE_CA_FILE=" + u.ca_file,
            "SHOPCAST_USER_SERVICE_CERT_FILE=" + u.cert_file,
            "SHOPCAST_USER_SERVICE_KEY_FILE=" + u.key_file,
            "SHOPCAST_USER_REVOCATION_SYNC_INTERVAL=200ms"},
        dir.File("user.log"));
    user_ports = AwaitStarted(*user);
    auto v = pki.FilesOf("video-ingest");
    ingest = std::make_unique<ChildProcess>(
        std::vector<std::string>{SHOPCAST_VIDEO_INGEST_BIN, "serve"},
        std::vector<std::string>{
            "SHOPCAST_VIDEO_INGEST_GRPC_ADDR=127.0.0.1:0",
            "SHOPCAST_VIDEO_INGEST_INTERNAL_GRPC_ADDR=127.0.0.1:0",
            "SHOPCAST_VIDEO_INGEST_METRICS_ADDR=127.0.0.1:0",
            "SHOPCAST_VIDEO_INGEST_DB_DSN=" + ingest_db.dsn(),
            "SHOPCAST_VIDEO_INGEST_DB_POOL_SIZE=2",
            "SHOPCAST_VIDEO_INGEST_VERIFY_KEY_FILES=" + key_path,
            "SHOPCAST_VIDEO_INGEST_PAGE_TOKEN_KEY_FILE=" + dir.File("ingest-page.key"),
            "SHOPCAST_VIDEO_INGEST_PLAYBACK_TOKEN_KEY_FILE=" + dir.File("ingest-playback.key"),
            "SHOPCAST_VIDEO_INGEST_RTMP_ADDR=127.0.0.1:0", "SHOPCAST_VIDEO_INGEST_SRT_PORT=0",
            "SHOPCAST_VIDEO_INGEST_HLS_ADDR=127.0.0.1:0",
            "SHOPCAST_VIDEO_INGEST_SEGMENT_ROOT=" + dir.File("hot"),
            "SHOPCAST_VIDEO_INGEST_SERVICE_CA_FILE=" + v.ca_file,
            "SHOPCAST_VIDEO_INGEST_SERVICE_CERT_FILE=" + v.cert_file,
            "SHOPCAST_VIDEO_INGEST_SERVICE_KEY_FILE=" + v.key_file,
            "SHOPCAST_VIDEO_INGEST_USER_INTERNAL_ADDR=" + Target(user_ports.internal),
            "SHOPCAST_VIDEO_INGEST_REVOCATION_SYNC_INTERVAL=200ms"},
        dir.File("video-ingest.log"));
    ingest_ports = AwaitStarted(*ingest);
  }

  // Creates an account as an operator does (password on stdin); returns its id.
  std::string CreateUser(const std::string& name, const std::string& role) {
    ChildProcess p(
        {"/bin/sh", "-c",
         absl::StrCat("echo '", kPassword, "' | ", SHOPCAST_USER_BIN, " create-user ", name, " ",
                      name, "@example.com ", role)},
        {"SHOPCAST_USER_DB_DSN=" + user_db.dsn(), "SHOPCAST_USER_SIGNING_KEY_FILE=" + key_path},
        dir.File("create-" + name + ".log"));
    REQUIRE(p.Wait(60000) == 0);
    auto stub = Users();
    upb::GetUserRequest req;
    req.set_username(name);
    upb::GetUserResponse res;
    auto ctx = Ctx();
    REQUIRE(stub->GetUser(ctx.get(), req, &res).ok());
    return res.user().id();
  }

  upb::TokenPair Login(const std::string& name) {
    upb::LoginRequest req;
    req.set_login(name);
    req.set_password(kPassword);
    upb::LoginResponse res;
    auto ctx = Ctx();
    grpc::Status st = Users()->Login(ctx.get(), req, &res);
    INFO(st.error_message());
    REQUIRE(st.ok());
    return res.tokens();
  }

  std::unique_ptr<upb::UserService::Stub> Users() {
    return upb::UserService::NewStub(shopcast::testing::LocalChannel(user_ports.grpc));
  }
  std::unique_ptr<vpb::VideoIngestService::Stub> Streams() {
    return vpb::VideoIngestService::NewStub(shopcast::testing::LocalChannel(ingest_ports.grpc));
  }

  // CreateStream with `token`; the call's status, with its reason in `reason`.
  grpc::Status CreateStream(const std::string& token, std::string* reason = nullptr,
                            std::string* id = nullptr) {
    vpb::CreateStreamRequest req;
    req.set_title("Sneaker drop");
    req.set_idempotency_key(absl::StrCat("create-", ++creates));
    vpb::CreateStreamResponse res;
    auto ctx = Ctx(token);
    grpc::Status st = Streams()->CreateStream(ctx.get(), req, &res);
    if (reason != nullptr) *reason = ReasonOf(*ctx);
    if (id != nullptr) *id = res.stream().id();
    UNSCOPED_INFO("CreateStream: " << st.error_message());
    return st;
  }
  // A cheap authenticated video-ingest call, to poll with.
  grpc::StatusCode ListMine(const std::string& token) {
    vpb::ListMyStreamsResponse res;
    auto ctx = Ctx(token);
    return Streams()->ListMyStreams(ctx.get(), {}, &res).error_code();
  }
  grpc::StatusCode GetMe(const std::string& token) {
    upb::GetMeResponse res;
    auto ctx = Ctx(token);
    return Users()->GetMe(ctx.get(), {}, &res).error_code();
  }
};

grpc::Status LookupStreams(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& stream_id, const std::string& token = "") {
  auto stub = vpb::VideoIngestInternalService::NewStub(channel);
  vpb::LookupStreamsRequest req;
  req.add_stream_ids(stream_id);
  vpb::LookupStreamsResponse res;
  auto ctx = Ctx(token);
  return stub->LookupStreams(ctx.get(), req, &res);
}

}  // namespace

TEST_CASE("internal RPCs answer only a peer with a service certificate on the internal port") {
  Suite s;
  s.CreateUser("host_one", "host");
  std::string token = s.Login("host_one").access_token();

  // The public API works as before.
  std::string id;
  REQUIRE(s.CreateStream(token, nullptr, &id).ok());
  // On the public port the internal service does not exist.
  CHECK(
      LookupStreams(shopcast::testing::LocalChannel(s.ingest_ports.grpc), id, token).error_code() ==
      grpc::UNIMPLEMENTED);
  const std::string internal = Target(s.ingest_ports.internal);
  // The internal port speaks only TLS.
  CHECK(LookupStreams(grpc::CreateChannel(internal, grpc::InsecureChannelCredentials()), id)
            .error_code() == grpc::UNAVAILABLE);
  // TLS but no certificate: not even a valid user token gets in.
  grpc::SslCredentialsOptions anonymous;
  anonymous.pem_root_certs = s.pki.Of("gateway").ca_pem;
  auto no_cert = grpc::CreateChannel(internal, grpc::SslCredentials(anonymous));
  CHECK(LookupStreams(no_cert, id).error_code() == grpc::UNAUTHENTICATED);
  CHECK(LookupStreams(no_cert, id, token).error_code() == grpc::UNAUTHENTICATED);
  // A peer service with its certificate.
  auto peer = grpc::CreateChannel(internal,
                                  shopcast::auth::InternalChannelCredentials(s.pki.Of("gateway")));
  grpc::Status ok = LookupStreams(peer, id);
  INFO(ok.error_message());
  CHECK(ok.ok());

  // The user service's internal ListRevocations likewise.
  auto revocations = [&](const std::shared_ptr<grpc::Channel>& ch) {
    upb::ListRevocationsResponse res;
    auto ctx = Ctx(token);
    return upb::UserInternalService::NewStub(ch)->ListRevocations(ctx.get(), {}, &res).error_code();
  };
  CHECK(revocations(shopcast::testing::LocalChannel(s.user_ports.grpc)) == grpc::UNIMPLEMENTED);
  CHECK(revocations(grpc::CreateChannel(Target(s.user_ports.internal),
                                        grpc::SslCredentials(anonymous))) == grpc::UNAUTHENTICATED);
  CHECK(revocations(grpc::CreateChannel(
            Target(s.user_ports.internal),
            shopcast::auth::InternalChannelCredentials(s.pki.Of("gateway")))) == grpc::OK);
}

TEST_CASE("a demoted host's token stops creating streams within seconds") {
  Suite s;
  s.CreateUser("boss", "admin");
  std::string host_id = s.CreateUser("seller", "host");
  std::string admin = s.Login("boss").access_token();
  std::string host = s.Login("seller").access_token();
  REQUIRE(s.CreateStream(host).ok());

  upb::SetRoleRequest demote;
  demote.set_user_id(host_id);
  demote.set_role(upb::ROLE_VIEWER);
  upb::SetRoleResponse res;
  auto ctx = Ctx(admin);
  REQUIRE(s.Users()->SetRole(ctx.get(), demote, &res).ok());

  CHECK(Eventually([&] { return s.ListMine(host) == grpc::UNAUTHENTICATED; }, absl::Seconds(10)));
  std::string reason;
  CHECK(s.CreateStream(host, &reason).error_code() == grpc::UNAUTHENTICATED);
  CHECK(reason == "TOKEN_REVOKED");
  // Signing in again gives a viewer's token, which may not create streams.
  std::string fresh = s.Login("seller").access_token();
  CHECK(s.CreateStream(fresh, &reason).error_code() == grpc::PERMISSION_DENIED);
  CHECK(reason == "NOT_A_HOST");
  // The admin, never revoked, is unaffected.
  CHECK(s.ListMine(admin) == grpc::OK);
}

TEST_CASE("after logout of every session the access token is refused everywhere") {
  Suite s;
  s.CreateUser("shopper", "host");
  upb::TokenPair tokens = s.Login("shopper");
  REQUIRE(s.ListMine(tokens.access_token()) == grpc::OK);
  upb::LogoutRequest req;
  req.set_refresh_token(tokens.refresh_token());
  req.set_all_sessions(true);
  upb::LogoutResponse res;
  auto ctx = Ctx();
  REQUIRE(s.Users()->Logout(ctx.get(), req, &res).ok());
  CHECK(Eventually([&] { return s.ListMine(tokens.access_token()) == grpc::UNAUTHENTICATED; },
                   absl::Seconds(10)));
  CHECK(Eventually([&] { return s.GetMe(tokens.access_token()) == grpc::UNAUTHENTICATED; },
                   absl::Seconds(10)));
}

TEST_CASE("after logout of one session its access token is refused everywhere, the other works") {
  Suite s;
  s.CreateUser("shopper", "host");
  upb::TokenPair phone = s.Login("shopper");
  upb::TokenPair laptop = s.Login("shopper");
  REQUIRE(s.ListMine(phone.access_token()) == grpc::OK);
  upb::LogoutRequest req;
  req.set_refresh_token(phone.refresh_token());
  req.set_all_sessions(false);
  upb::LogoutResponse res;
  auto ctx = Ctx();
  REQUIRE(s.Users()->Logout(ctx.get(), req, &res).ok());
  CHECK(Eventually([&] { return s.ListMine(phone.access_token()) == grpc::UNAUTHENTICATED; },
                   absl::Seconds(10)));
  std::string reason;
  CHECK(s.CreateStream(phone.access_token(), &reason).error_code() == grpc::UNAUTHENTICATED);
  CHECK(reason == "TOKEN_REVOKED");
  CHECK(Eventually([&] { return s.GetMe(phone.access_token()) == grpc::UNAUTHENTICATED; },
                   absl::Seconds(10)));
  // Both services have applied the logout (above), and the laptop's session still works.
  CHECK(s.CreateStream(laptop.access_token()).ok());
  CHECK(s.GetMe(laptop.access_token()) == grpc::OK);
}

TEST_CASE("a deleted account's token is refused everywhere") {
  Suite s;
  std::string id = s.CreateUser("leaver", "host");
  std::string token = s.Login("leaver").access_token();
  REQUIRE(s.CreateStream(token).ok());
  upb::DeleteAccountRequest req;
  req.set_user_id(id);
  upb::DeleteAccountResponse res;
  auto ctx = Ctx(token);
  REQUIRE(s.Users()->DeleteAccount(ctx.get(), req, &res).ok());
  CHECK(Eventually([&] { return s.ListMine(token) == grpc::UNAUTHENTICATED; }, absl::Seconds(10)));
  std::string reason;
  CHECK(s.CreateStream(token, &reason).error_code() == grpc::UNAUTHENTICATED);
  CHECK(reason == "TOKEN_REVOKED");
  // The user service's own list is refreshed on the same schedule.
  CHECK(Eventually([&] { return s.GetMe(token) == grpc::UNAUTHENTICATED; }, absl::Seconds(10)));
}

TEST_CASE("video-ingest keeps its last known revocations while the user service is down") {
  Suite s;
  s.CreateUser("boss", "admin");
  std::string demoted_id = s.CreateUser("demoted", "host");
  s.CreateUser("steady", "host");
  std::string admin = s.Login("boss").access_token();
  std::string demoted = s.Login("demoted").access_token();
  std::string steady = s.Login("steady").access_token();
  upb::SetRoleRequest demote;
  demote.set_user_id(demoted_id);
  demote.set_role(upb::ROLE_VIEWER);
  upb::SetRoleResponse res;
  auto ctx = Ctx(admin);
  REQUIRE(s.Users()->SetRole(ctx.get(), demote, &res).ok());
  REQUIRE(
      Eventually([&] { return s.ListMine(demoted) == grpc::UNAUTHENTICATED; }, absl::Seconds(10)));

  s.user->Signal(SIGKILL);
  REQUIRE(s.user->Wait(10000) >= 0);
  // It says so, in its log and in a metric an alert can watch.
  CHECK(Eventually([&] {
    return s.ingest->log().find("\"event\":\"revocations_sync_failed\"") != std::string::npos;
  }));
  CHECK(Eventually([&] {
    return shopcast::testing::HttpGet(s.ingest_ports.metrics, "/metrics")
               .body.find("shopcast_revocations_stale 1") != std::string::npos;
  }));
  // The revocation it knew still holds, and everyone else keeps working.
  std::string reason;
  CHECK(s.CreateStream(demoted, &reason).error_code() == grpc::UNAUTHENTICATED);
  CHECK(reason == "TOKEN_REVOKED");
  CHECK(s.CreateStream(steady).ok());
}
