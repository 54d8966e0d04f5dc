// The user binary as operators run it: configured by environment, probed by health checks,
// scraped by Prometheus, and stopped with SIGTERM without dropping calls in flight.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace v1 = shopcast::user::v1;
using shopcast::testing::ChildProcess;

namespace {

// The binary on ports of its own choosing (port 0): it logs which it got, so no other process
// can take them between a test picking them and the binary binding them.
struct RunningUser {
  shopcast::testing::TestDatabase db = shopcast::testing::TestDatabase::Create();
  shopcast::testing::TempDir dir;  // Signing key, credentials and log.
  shopcast::auth::testing::DevPki pki{dir.File("pki"), {"user"}};
  std::string key_path = dir.File("signing.pem");
  int grpc_port = 0;
  int metrics_port = 0;
  std::unique_ptr<ChildProcess> proc;

  RunningUser() {
    shopcast::auth::ServiceTlsFiles tls = pki.FilesOf("user");
    std::ofstream(key_path) << shopcast::auth::GenerateSigningKey("k").value().private_pem;
    std::ofstream(key_path + ".page") << shopcast::ids::NewSecret(32);  // page-token key
    proc = std::make_unique<ChildProcess>(
        std::vector<std::string>{SHOPCAST_USER_BIN, "serve"},
        std::vector<std::string>{
            "SHOPCAST_USER_GRPC_ADDR=127.0.0.1:0", "SHOPCAST_USER_METRICS_ADDR=127.0.0.1:0",
            "SHOPCAST_USER_DB_DSN=" + db.dsn(), "SHOPCAST_USER_SIGNING_KEY_FILE=" + key_path,
            "SHOPCAST_USER_PAGE_TOKEN_KEY_FILE=" + key_path + ".page",
            "SHOPCAST_USER_DB_POOL_SIZE=2", "SHOPCAST_USER_DRAIN_TIMEOUT=15s",
            "SHOPCAST_USER_INTERNAL_GRPC_ADDR=127.0.0.1:0",
            "SHOPCAST_USER_SERVICE_CA_FILE=" + tls.ca_file,
            "SHOPCAST_USER_SERVICE_CERT_FILE=" + tls.cert_file,
            "SHOPCAST_USER_SERVICE_KEY_FILE=" + tls.key_file},
        dir.File("user.log"));
    const nlohmann::json started = proc->WaitForLogEvent("server_started", absl::Seconds(60));
    grpc_port = started.at("grpc_port").get<int>();
    metrics_port = started.at("metrics_port").get<int>();
    REQUIRE(grpc_port != 0);
    REQUIRE(metrics_port != 0);
    auto ch = shopcast::testing::LocalChannel(grpc_port);
    INFO(proc->log());
    REQUIRE(shopcast::testing::WaitUntil(
        [&] { return shopcast::testing::HealthStatus(ch, "") == 1; }, absl::Seconds(30)));
  }

  std::unique_ptr<v1::UserService::Stub> Stub() {
    return v1::UserService::NewStub(shopcast::testing::LocalChannel(grpc_port));
  }
};

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

}  // namespace

TEST_CASE("the binary serves health for probes and per-RPC metrics for Prometheus") {
  RunningUser u;
  auto ch = shopcast::testing::LocalChannel(u.grpc_port);
  CHECK(shopcast::testing::HealthStatus(ch, "liveness") == 1);
  auto stub = u.Stub();
  v1::GetSigningKeysResponse keys;
  auto ctx = Ctx();
  REQUIRE(stub->GetSigningKeys(ctx.get(), {}, &keys).ok());
  v1::GetUserRequest bad;
  bad.set_user_id("nope");
  v1::GetUserResponse got;
  auto ctx2 = Ctx();
  REQUIRE(stub->GetUser(ctx2.get(), bad, &got).error_code() == grpc::INVALID_ARGUMENT);

  // The server counts and logs a call as it finishes it, which can be just after the client
  // has the answer: await both.
  auto metrics_show = [&](const std::string& text) {
    return shopcast::testing::WaitUntil(
        [&] {
          auto metrics = shopcast::testing::HttpGet(u.metrics_port, "/metrics");
          return metrics.status == 200 && metrics.body.find(text) != std::string::npos;
        },
        absl::Seconds(30));
  };
  CHECK(
      metrics_show("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\""
                   "GetSigningKeys\",grpc_service=\"shopcast.user.v1.UserService\"} 1"));
  CHECK(metrics_show("grpc_code=\"INVALID_ARGUMENT\",grpc_method=\"GetUser\""));
  // Structured access log: one JSON line per call with method, code and reason.
  auto log_shows = [&](const std::string& text) {
    return shopcast::testing::WaitUntil(
        [&] { return u.proc->log().find(text) != std::string::npos; }, absl::Seconds(30));
  };
  CHECK(log_shows("\"event\":\"rpc\""));
  CHECK(log_shows("\"reason\":\"USER_ID_INVALID\""));
}

namespace {

// Lists the services a server exposes through gRPC server reflection (what grpcurl does).
// Debian ships no reflection client or .proto, and the request is two bytes: field 7
// (list_services) of ServerReflectionRequest, empty.
std::string ReflectionListServices(int port) {
  grpc::GenericStub stub(shopcast::testing::LocalChannel(port));
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto call =
      stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto step = [&](int tag) {
    void* got = nullptr;
    bool ok = false;
    return cq.Next(&got, &ok) && ok && got == reinterpret_cast<void*>(static_cast<intptr_t>(tag));
  };
  auto tag = [](int t) { return reinterpret_cast<void*>(static_cast<intptr_t>(t)); };
  call->StartCall(tag(1));
  if (!step(1)) return "";
  const char request[] = {0x3a, 0x00};
  grpc::Slice slice(request, sizeof request);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, tag(2));
  if (!step(2)) return "";
  call->WritesDone(tag(3));
  if (!step(3)) return "";
  grpc::ByteBuffer in;
  call->Read(&in, tag(4));
  if (!step(4)) return "";
  std::vector<grpc::Slice> slices;
  in.Dump(&slices);
  std::string text;
  for (const auto& sl : slices) text.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  grpc::Status status;
  call->Finish(&status, tag(5));
  step(5);
  cq.Shutdown();
  void* ignored;
  bool ignored_ok;
  while (cq.Next(&ignored, &ignored_ok)) {
  }
  return text;
}

}  // namespace

TEST_CASE("server reflection lists the service, as grpcurl would see it") {
  RunningUser u;
  std::string listing = ReflectionListServices(u.grpc_port);
  CHECK(listing.find("shopcast.user.v1.UserService") != std::string::npos);
  CHECK(listing.find("grpc.health.v1.Health") != std::string::npos);
}

TEST_CASE("SIGTERM lets in-flight calls finish, then the process exits cleanly") {
  RunningUser u;
  auto stub = u.Stub();
  constexpr int kCalls = 8;  // with 2 workers, Argon2 keeps these queued for a while
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kCalls; ++i) {
    clients.emplace_back([&, i] {
      v1::RegisterRequest req;
      req.set_username(absl::StrCat("drain_user_", i));
      req.set_email(absl::StrCat("drain", i, "@example.com"));
      req.set_password("correct horse battery");
      v1::RegisterResponse res;
      auto ctx = Ctx();
      if (stub->Register(ctx.get(), req, &res).ok()) ok++;
    });
  }
  // Wait until the server has accepted every call, then ask it to stop.
  const std::string all_started = absl::StrCat(
      "grpc_server_started_total{grpc_method=\"Register\",grpc_service=\""
      "shopcast.user.v1.UserService\"} ",
      kCalls);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return shopcast::testing::HttpGet(u.metrics_port, "/metrics").body.find(all_started) !=
               std::string::npos;
      },
      absl::Seconds(30)));
  u.proc->Signal(SIGTERM);
  for (auto& t : clients) t.join();
  CHECK(ok == kCalls);
  INFO(u.proc->log());
  CHECK(u.proc->Wait(20000) == 0);
  CHECK(u.proc->log().find("\"event\":\"shutdown_signal\"") != std::string::npos);
  // Gone: new calls fail fast rather than hang.
  v1::GetSigningKeysResponse keys;
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  CHECK(u.Stub()->GetSigningKeys(ctx.get(), {}, &keys).error_code() == grpc::UNAVAILABLE);
}

TEST_CASE("an operator creates the first admin from the command line, password on stdin") {
  RunningUser u;
  auto create = [&](const std::string& log) {
    // The password arrives on stdin, never as an argument (argv is visible to every user).
    ChildProcess p(
        {"/bin/sh", "-c",
         absl::StrCat("echo 'first admin password' | ", SHOPCAST_USER_BIN,
                      " create-user first_admin root@example.com admin")},
        {"SHOPCAST_USER_DB_DSN=" + u.db.dsn(), "SHOPCAST_USER_SIGNING_KEY_FILE=" + u.key_path},
        log);
    return p.Wait(30000);
  };
  REQUIRE(create(u.dir.File("create-admin-1.log")) == 0);
  CHECK(create(u.dir.File("create-admin-2.log")) == 3);  // exists already: distinct code

  auto stub = u.Stub();
  v1::LoginRequest login;
  login.set_login("first_admin");
  login.set_password("first admin password");
  v1::LoginResponse res;
  auto ctx = Ctx();
  REQUIRE(stub->Login(ctx.get(), login, &res).ok());
  CHECK(res.user().role() == v1::ROLE_ADMIN);
}

TEST_CASE("a bad configuration is one clear line and a non-zero exit") {
  shopcast::testing::TempDir dir;
  ChildProcess p({SHOPCAST_USER_BIN, "serve"},
                 {"SHOPCAST_USER_DB_DSN=", "SHOPCAST_USER_SIGNING_KEY_FILE="},
                 dir.File("badconfig.log"));
  CHECK(p.Wait(10000) == 2);
  CHECK(p.log().find("db_dsn is required") != std::string::npos);
}
