#include "support/process_fixture.h"

#include <algorithm>
#include <csignal>
#include <fstream>

#include "grpcpp/create_channel.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/clients/internal.h"

namespace shopcast::realtime_push::testing {

Deployment::Deployment(std::string pki_dir)
    : pki_dir_(pki_dir.empty() ? dir_.File("pki") : std::move(pki_dir)),
      db_(shopcast::testing::TestDatabase::Create()) {
  auth::testing::DevPki pki(pki_dir_, {"realtime-push", "video-ingest"});
  auto key = auth::GenerateSigningKey("k");
  if (!key.ok()) throw std::runtime_error("signing key");
  std::ofstream(public_key_file()) << key->public_pem;
}

auth::ServiceTlsFiles Deployment::TlsOf(const std::string& service) const {
  return auth::testing::DevPki(pki_dir_, {service}).FilesOf(service);
}

Process::Process(const Deployment& deployment, const std::string& name,
                 std::vector<std::string> extra_env)
    : deployment_(deployment) {
  const auth::ServiceTlsFiles tls = deployment.TlsOf("realtime-push");
  std::vector<std::string> env = {
      "SHOPCAST_REALTIME_PUSH_GRPC_ADDR=127.0.0.1:0",
      "SHOPCAST_REALTIME_PUSH_METRICS_ADDR=127.0.0.1:0",
      "SHOPCAST_REALTIME_PUSH_INTERNAL_GRPC_ADDR=127.0.0.1:0",
      "SHOPCAST_REALTIME_PUSH_SERVICE_CA_FILE=" + tls.ca_file,
      "SHOPCAST_REALTIME_PUSH_SERVICE_CERT_FILE=" + tls.cert_file,
      "SHOPCAST_REALTIME_PUSH_SERVICE_KEY_FILE=" + tls.key_file,
      "SHOPCAST_REALTIME_PUSH_DB_DSN=" + deployment.dsn(),
      "SHOPCAST_REALTIME_PUSH_DB_POOL_SIZE=4",
      "SHOPCAST_REALTIME_PUSH_VERIFY_KEY_FILES=" + deployment.public_key_file(),
      "SHOPCAST_REALTIME_PUSH_DRAIN_TIMEOUT=5s",
      "SHOPCAST_REALTIME_PUSH_FEED_POLL_INTERVAL=200ms",
      "SHOPCAST_REALTIME_PUSH_LOG_LEVEL=debug",
  };
  // A variable in extra_env replaces the default of the same name (the child would otherwise
  // see the first of the two).
  for (const std::string& extra : extra_env) {
    const std::string prefix = extra.substr(0, extra.find('=') + 1);
    env.erase(std::remove_if(env.begin(), env.end(),
                             [&prefix](const std::string& e) { return e.rfind(prefix, 0) == 0; }),
              env.end());
    env.push_back(extra);
  }
  proc_ = std::make_unique<shopcast::testing::ChildProcess>(
      std::vector<std::string>{SHOPCAST_REALTIME_PUSH_BIN, "serve"}, env,
      deployment.LogPath(name + ".log"));
  nlohmann::json started = proc_->WaitForLogEvent("server_started", absl::Seconds(60));
  grpc_port_ = started["grpc_port"].get<int>();
  internal_grpc_port_ = started["internal_grpc_port"].get<int>();
}

Process::~Process() = default;

std::unique_ptr<v1::RealtimePushService::Stub> Process::PublicStub() const {
  grpc::ChannelArguments args;
  args.SetInt("shopcast.test.channel", static_cast<int>(reinterpret_cast<intptr_t>(&args)));
  return v1::RealtimePushService::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(grpc_port_), grpc::InsecureChannelCredentials(), args));
}

std::unique_ptr<v1::RealtimePushInternalService::Stub> Process::InternalStub() const {
  auto tls = auth::LoadServiceTls(deployment_.TlsOf("video-ingest"));
  if (!tls.ok()) throw std::runtime_error("video-ingest credential");
  auto channel = clients::MakeInternalChannel("realtime-push", internal_target(), *tls);
  if (!channel.ok()) throw std::runtime_error("internal channel");
  return v1::RealtimePushInternalService::NewStub(*channel);
}

int Process::Terminate(absl::Duration timeout) {
  proc_->Signal(SIGTERM);
  return proc_->Wait(static_cast<int>(absl::ToInt64Milliseconds(timeout)));
}

void Process::Kill() {
  proc_->Signal(SIGKILL);
  proc_->Wait(30000);
}

}  // namespace shopcast::realtime_push::testing
