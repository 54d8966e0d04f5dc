#include "suite.h"

#include <signal.h>
#include <stdio.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/wait.h"
#include "shopcast/user/v1/user.grpc.pb.h"

namespace shopcast::suite {
namespace {

const std::vector<std::string>& ServiceNames() {
  static const std::vector<std::string> names = {
      "user",  "realtime-push", "product-inventory",  "video-ingest",
      "order", "gateway",       "recording-lifecycle"};
  return names;
}

// SHOPCAST_PRODUCT_INVENTORY_ for "product-inventory".
std::string EnvPrefix(const std::string& service) {
  std::string p = absl::StrReplaceAll(service, {{"-", "_"}});
  for (char& c : p) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return absl::StrCat("SHOPCAST_", p, "_");
}

std::string BinaryOf(const std::string& service) {
  if (service == "user") return SHOPCAST_SUITE_USER_BIN;
  if (service == "realtime-push") return SHOPCAST_SUITE_REALTIME_PUSH_BIN;
  if (service == "product-inventory") return SHOPCAST_SUITE_PRODUCT_INVENTORY_BIN;
  if (service == "video-ingest") return SHOPCAST_SUITE_VIDEO_INGEST_BIN;
  if (service == "order") return SHOPCAST_SUITE_ORDER_BIN;
  if (service == "recording-lifecycle") return SHOPCAST_SUITE_RECORDING_LIFECYCLE_BIN;
#ifdef SHOPCAST_SUITE_GATEWAY_BIN
  if (service == "gateway") return SHOPCAST_SUITE_GATEWAY_BIN;
#endif
  throw std::runtime_error("suite: no binary for " + service);
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Local(int port) { return absl::StrCat("127.0.0.1:", port); }

int PortOr0(const nlohmann::json& line, const char* key) {
  return line.contains(key) && line.at(key).is_number_integer() ? line.at(key).get<int>() : 0;
}

// recording-lifecycle's cold tier: the run's s3rver when the test has the CTest fixture
// `recording_lifecycle_s3` (SHOPCAST_TEST_S3_ENV names its env file: endpoint=…, bucket=…);
// else an address nothing listens on — recording-lifecycle needs a cold store configured, and a
// show that moves nothing to cold never calls it.
std::pair<std::string, std::string> ColdStore() {
  std::pair<std::string, std::string> store = {"http://127.0.0.1:9", "shopcast-cold"};
  const char* path = std::getenv("SHOPCAST_TEST_S3_ENV");
  if (path == nullptr) return store;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "endpoint=")) store.first = line.substr(9);
    if (absl::StartsWith(line, "bucket=")) store.second = line.substr(7);
  }
  return store;
}

}  // namespace

struct Suite::Running {
  std::string service;
  int replica = 0;
  std::vector<std::string> env;
  std::unique_ptr<shopcast::testing::ChildProcess> proc;
  int restarts = 0;
};

Suite::Suite(SuiteOptions options) : options_(std::move(options)) {
  // One signing key (the user service signs, everyone verifies), one CA for every service.
  auto key = auth::GenerateSigningKey("");
  if (!key.ok()) throw std::runtime_error("suite: signing key");
  std::ofstream(dir_.File("signing.pem")) << key->private_pem;
  std::ofstream(dir_.File("signing.pub.pem")) << key->public_pem;
  auth::testing::DevPki pki(dir_.File("pki"), ServiceNames());
  for (const std::string& service : ServiceNames()) {
    std::ofstream(dir_.File("page-token-" + service + ".key")) << ids::NewSecret(32) << "\n";
    if (service != "gateway" && !options_.database_dsn.contains(service)) {
      databases_.emplace(service, shopcast::testing::TestDatabase::Create());
    }
  }
  std::ofstream(dir_.File("playback-token.key")) << ids::NewSecret(32) << "\n";

  const std::string user_internal = [&] {
    Start("user", {});
    return InternalTarget("user");
  }();
  const std::string vi = EnvPrefix("video-ingest"), pi = EnvPrefix("product-inventory");
  const std::string rp = EnvPrefix("realtime-push"), order = EnvPrefix("order");

  std::vector<std::string> push_env = {rp + "USER_INTERNAL_ADDR=" + user_internal,
                                       rp + "FEED_POLL_INTERVAL=200ms"};
  if (!options_.smtp_url.empty()) {
    push_env.push_back(rp + "SMTP_URL=" + options_.smtp_url);
    push_env.push_back(rp + "SMTP_FROM=noreply@shopcast.test");
    push_env.push_back(rp + "EMAIL_INTERVAL=200ms");
  }
  Start("realtime-push", push_env);
  const std::string push = InternalTarget("realtime-push");
  if (!options_.smtp_url.empty()) {
    Find("user").env.push_back(EnvPrefix("user") + "EVENT_SINKS=realtime_push=" + push);
    Restart("user");
  }

  // ---- recording-lifecycle (as tools/dev starts it) ----
  // Its hot tier is video-ingest's segment root; warm another folder; cold an S3 store
  // (ColdStore). "Your recording is ready" goes to realtime-push. Its signed VOD URLs start
  // with kVodPublicBase (the gateway starts last, on a port not known yet): VodThroughGateway
  // turns them into the gateway's /vod/ URLs, which the gateway proxies to the VOD origin.
  const std::string rl = EnvPrefix("recording-lifecycle");
  {
    for (const char* d : {"hot", "warm", "vod-cache", "rl-scratch"}) {
      std::filesystem::create_directories(dir_.File(d));
    }
    std::ofstream(dir_.File("vod-token.key")) << ids::NewSecret(32) << "\n";
    std::ofstream(dir_.File("s3-access-key-id")) << "S3RVER\n";  // s3rver's built-in account
    std::ofstream(dir_.File("s3-secret-access-key")) << "S3RVER\n";
    const auto [s3_endpoint, s3_bucket] = ColdStore();
    Start("recording-lifecycle",
          {rl + "USER_INTERNAL_ADDR=" + user_internal, rl + "EVENT_SINKS=realtime_push=" + push,
           rl + "HOT_ROOT=" + dir_.File("hot"), rl + "WARM_ROOT=" + dir_.File("warm"),
           rl + "S3_ENDPOINT=" + s3_endpoint, rl + "S3_BUCKET=" + s3_bucket,
           rl + "S3_ACCESS_KEY_ID_FILE=" + dir_.File("s3-access-key-id"),
           rl + "S3_SECRET_ACCESS_KEY_FILE=" + dir_.File("s3-secret-access-key"),
           rl + "MOVER_SCRATCH_DIR=" + dir_.File("rl-scratch"),
           rl + "CLIP_SCRATCH_DIR=" + dir_.File("rl-scratch"),
           rl + "VOD_TOKEN_KEY_FILE=" + dir_.File("vod-token.key"),
           rl + "PUBLIC_BASE_URL=" + std::string(kVodPublicBase), rl + "VOD_HTTP_ADDR=127.0.0.1:0",
           rl + "VOD_CACHE_DIR=" + dir_.File("vod-cache")});
  }
  const std::string recordings = InternalTarget("recording-lifecycle");

  Start("product-inventory",
        {pi + "USER_INTERNAL_ADDR=" + user_internal,
         // Not video_ingest: it starts after product-inventory (it needs this one's address),
         // so pins, auction closes and flash sales for the live playlist wait in the outbox
         // here; order's sales reach it.
         pi + "EVENT_SINKS=realtime_push=" + push + ",recording_lifecycle=" + recordings,
         pi + "IMAGE_ROOT=" + dir_.File("images"), pi + "HTTP_ADDR=127.0.0.1:0",
         pi + "IMAGE_URL_PREFIX=/images/"});

  Start("video-ingest",
        {vi + "USER_INTERNAL_ADDR=" + user_internal,
         vi + "EVENT_SINKS=realtime_push=" + push + ",product_inventory=" +
             InternalTarget("product-inventory") + ",recording_lifecycle=" + recordings,
         vi + "SEGMENT_ROOT=" + dir_.File("hot"), vi + "RTMP_ADDR=127.0.0.1:0",
         vi + "SRT_BIND_ADDRESS=127.0.0.1", vi + "SRT_PORT=0", vi + "HLS_ADDR=127.0.0.1:0",
         vi + "RTMP_PUBLIC_URL=rtmp://127.0.0.1/live", vi + "SRT_PUBLIC_URL=srt://127.0.0.1:9000",
         vi + "PLAYBACK_TOKEN_KEY_FILE=" + dir_.File("playback-token.key"),
         vi + "TARGET_DURATION=1s"});

  Start("order", {order + "USER_INTERNAL_ADDR=" + user_internal,
                  order + "PRODUCT_INVENTORY_ADDR=" + InternalTarget("product-inventory"),
                  order + "VIDEO_INGEST_ADDR=" + InternalTarget("video-ingest"),
                  order + "RECORDING_LIFECYCLE_ADDR=" + GrpcTarget("recording-lifecycle"),
                  order + "EVENT_SINKS=realtime_push=" + push + ",video_ingest=" +
                      InternalTarget("video-ingest") + ",recording_lifecycle=" + recordings});

  if (options_.gateway) {
    const std::string gw = EnvPrefix("gateway");
    Start("gateway",
          {gw + "HTTP_ADDR=127.0.0.1:0", gw + "WEB_ROOT=" + options_.web_root,
           gw + "USER_ADDR=" + GrpcTarget("user"), gw + "USER_INTERNAL_ADDR=" + user_internal,
           gw + "PRODUCT_INVENTORY_ADDR=" + GrpcTarget("product-inventory"),
           gw + "ORDER_ADDR=" + GrpcTarget("order"),
           gw + "REALTIME_PUSH_ADDR=" + GrpcTarget("realtime-push"),
           gw + "VIDEO_INGEST_ADDR=" + GrpcTarget("video-ingest"),
           gw + "VIDEO_INGEST_INTERNAL_ADDR=" + InternalTarget("video-ingest"),
           gw + "HLS_DEFAULT_ORIGIN=http://" + Local(endpoints_.at("video-ingest").hls),
           // Product photos: Product.images URLs are /images/<key> on the gateway's own origin.
           gw + "IMAGE_ORIGIN=http://" + Local(endpoints_.at("product-inventory").http),
           // Recordings: /vod/… proxied to recording-lifecycle's VOD origin.
           gw + "RECORDING_LIFECYCLE_ADDR=" + GrpcTarget("recording-lifecycle"),
           gw + "VOD_ORIGIN=http://" + Local(endpoints_.at("recording-lifecycle").http)});
  }
}

std::vector<std::string> Suite::CommonEnv(const std::string& service) const {
  const std::string p = EnvPrefix(service);
  auto tls = TlsOf(service);
  std::vector<std::string> env = {
      p + "GRPC_ADDR=127.0.0.1:0",
      p + "METRICS_ADDR=127.0.0.1:0",
      p + "INTERNAL_GRPC_ADDR=127.0.0.1:0",
      p + "SERVICE_CA_FILE=" + tls.ca_file,
      p + "SERVICE_CERT_FILE=" + tls.cert_file,
      p + "SERVICE_KEY_FILE=" + tls.key_file,
      p + "VERIFY_KEY_FILES=" + dir_.File("signing.pub.pem"),
      p + "PAGE_TOKEN_KEY_FILE=" + dir_.File("page-token-" + service + ".key"),
      p + "DRAIN_TIMEOUT=5s",
  };
  if (service != "gateway") {
    env.push_back(p + "DB_DSN=" + DsnOf(service));
    env.push_back(p + "DB_POOL_SIZE=4");
  }
  if (service == "user") env.push_back(p + "SIGNING_KEY_FILE=" + dir_.File("signing.pem"));
  return env;
}

void Suite::Start(const std::string& service, std::vector<std::string> env) {
  std::vector<std::string> all = CommonEnv(service);
  all.insert(all.end(), env.begin(), env.end());
  if (options_.peer_address) RoutePeers(service, all);
  const std::string prefix = EnvPrefix(service);
  for (const std::string& extra : options_.extra_env) {
    if (absl::StartsWith(extra, prefix)) all.push_back(extra);
  }
  // video-ingest is a StatefulSet whose replicas own their encoders' sessions: always one here.
  const int replicas = service == "video-ingest" ? 1 : std::max(1, options_.replicas);
  for (int replica = 0; replica < replicas; ++replica) {
    auto running = std::make_unique<Running>();
    running->service = service;
    running->replica = replica;
    running->env = all;
    Launch(*running, replica == 0 ? dir_.File(service + ".log")
                                  : dir_.File(absl::StrCat(service, "-", replica, ".log")));
    running_.push_back(std::move(running));
  }
}

void Suite::Launch(Running& running, const std::string& log_path) {
  const std::string& service = running.service;
  running.proc = std::make_unique<shopcast::testing::ChildProcess>(
      std::vector<std::string>{BinaryOf(service), "serve"}, running.env, log_path);
  const nlohmann::json started =
      running.proc->WaitForLogEvent("server_started", absl::Seconds(120));
  Endpoints e;
  e.grpc = PortOr0(started, "grpc_port");
  e.internal_grpc = PortOr0(started, "internal_grpc_port");
  e.metrics = PortOr0(started, "metrics_port");
  if (service == "video-ingest") {
    const nlohmann::json ready =
        running.proc->WaitForLogEvent("video_ingest_ready", absl::Seconds(60));
    e.rtmp = PortOr0(ready, "rtmp_port");
    e.srt = PortOr0(ready, "srt_port");
    e.hls = PortOr0(ready, "hls_port");
  }
  if (service == "recording-lifecycle") {
    // Logged once the VOD origin listens, with its port.
    e.http = PortOr0(running.proc->WaitForLogEvent("serving", absl::Seconds(60)), "vod_http_port");
  }
  if (service == "product-inventory" || service == "gateway") {
    // Logged once every listener is up, with the HTTP port bound.
    const char* event = service == "gateway" ? "gateway_ready" : "serving";
    const nlohmann::json ready = running.proc->WaitForLogEvent(event, absl::Seconds(60));
    e.http = PortOr0(ready, "http_port");
  }
  auto channel = shopcast::testing::LocalChannel(e.grpc);
  if (!shopcast::testing::WaitUntil(
          [&] { return shopcast::testing::HealthStatus(channel, "") == 1; }, absl::Seconds(60))) {
    throw std::runtime_error(
        absl::StrCat("suite: ", service, " did not become healthy:\n", running.proc->log()));
  }
  if (running.replica == 0) endpoints_[service] = e;
  std::vector<Endpoints>& replicas = replica_endpoints_[service];
  if (replicas.size() <= static_cast<size_t>(running.replica)) {
    replicas.resize(static_cast<size_t>(running.replica) + 1);
  }
  replicas[static_cast<size_t>(running.replica)] = e;
}

Suite::Running& Suite::Find(const std::string& service) const {
  for (const auto& r : running_) {
    if (r->service == service) return *r;
  }
  throw std::runtime_error("suite: not started: " + service);
}

void Suite::Kill(const std::string& service) {
  Running& r = Find(service);
  if (!r.proc->running()) return;
  r.proc->Signal(SIGKILL);
  if (r.proc->Wait(15000) < 0) throw std::runtime_error("suite: " + service + " survived SIGKILL");
}

bool Suite::IsRunning(const std::string& service) { return Find(service).proc->running(); }

void Suite::Restart(const std::string& service) {
  Running& r = Find(service);
  if (r.proc->running()) Kill(service);
  // The same ports as before: peers hold these addresses and reconnect by themselves.
  const Endpoints& e = endpoints(service);
  const std::string p = EnvPrefix(service);
  const std::map<std::string, int> fixed = {
      {"GRPC_ADDR", e.grpc},       {"INTERNAL_GRPC_ADDR", e.internal_grpc},
      {"METRICS_ADDR", e.metrics}, {"HTTP_ADDR", e.http},
      {"RTMP_ADDR", e.rtmp},       {"HLS_ADDR", e.hls}};
  for (std::string& var : r.env) {
    for (const auto& [key, port] : fixed) {
      if (port != 0 && var == p + key + "=127.0.0.1:0") var = p + key + "=" + Local(port);
    }
    if (e.srt != 0 && var == p + "SRT_PORT=0") var = absl::StrCat(p, "SRT_PORT=", e.srt);
  }
  ++r.restarts;
  Launch(r, dir_.File(absl::StrCat(service, ".log.", r.restarts)));
}

std::string Suite::DsnOf(const std::string& service) const {
  if (auto it = options_.database_dsn.find(service); it != options_.database_dsn.end()) {
    return it->second;
  }
  auto db = databases_.find(service);
  if (db == databases_.end()) throw std::runtime_error("suite: no database for " + service);
  return db->second.dsn();
}

Suite::~Suite() {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    if ((*it)->proc->running()) (*it)->proc->Signal(SIGTERM);
  }
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    if ((*it)->proc->Wait(15000) < 0) (*it)->proc->Signal(SIGKILL);
  }
}

const Endpoints& Suite::endpoints(const std::string& service) const {
  auto it = endpoints_.find(service);
  if (it == endpoints_.end()) throw std::runtime_error("suite: not started: " + service);
  return it->second;
}

std::string Suite::GrpcTarget(const std::string& service) const { return PeerTarget(service); }

std::string Suite::InternalTarget(const std::string& service) const {
  return PeerInternalTarget(service);
}

int Suite::replicas(const std::string& service) const {
  auto it = replica_endpoints_.find(service);
  if (it == replica_endpoints_.end()) throw std::runtime_error("suite: not started: " + service);
  return static_cast<int>(it->second.size());
}

const Endpoints& Suite::endpoints(const std::string& service, int replica) const {
  if (replica < 0 || replica >= replicas(service)) {
    throw std::runtime_error(absl::StrCat("suite: no replica ", replica, " of ", service));
  }
  return replica_endpoints_.at(service)[static_cast<size_t>(replica)];
}

namespace {
// One address: "127.0.0.1:p" (exactly as with a single replica); several: gRPC's ipv4 scheme.
std::string MultiAddress(const std::vector<Endpoints>& all, int Endpoints::*port) {
  if (all.size() == 1) return Local(all[0].*port);
  std::vector<std::string> parts;
  for (const Endpoints& e : all) parts.push_back(Local(e.*port));
  return absl::StrCat("ipv4:", absl::StrJoin(parts, ","));
}
}  // namespace

std::string Suite::PeerTarget(const std::string& service) const {
  replicas(service);  // throws if not started
  return MultiAddress(replica_endpoints_.at(service), &Endpoints::grpc);
}

std::string Suite::PeerInternalTarget(const std::string& service) const {
  replicas(service);
  return MultiAddress(replica_endpoints_.at(service), &Endpoints::internal_grpc);
}

std::shared_ptr<grpc::Channel> Suite::PeerChannel(const std::string& service) const {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  // A replica killed for good: retry connecting soon, not after gRPC's default backoff.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return grpc::CreateCustomChannel(PeerTarget(service), grpc::InsecureChannelCredentials(), args);
}

std::vector<std::string> Suite::gateway_urls() const {
  std::vector<std::string> urls;
  for (int i = 0; i < replicas("gateway"); ++i) {
    urls.push_back(absl::StrCat("http://127.0.0.1:", endpoints("gateway", i).http));
  }
  return urls;
}

void Suite::KillReplica(const std::string& service, int replica) {
  for (const auto& r : running_) {
    if (r->service == service && r->replica == replica) {
      if (r->proc->running()) r->proc->Signal(SIGKILL);
      r->proc->Wait(15000);
      return;
    }
  }
  throw std::runtime_error(absl::StrCat("suite: no replica ", replica, " of ", service));
}

bool Suite::ReplicaRunning(const std::string& service, int replica) const {
  for (const auto& r : running_) {
    if (r->service == service && r->replica == replica) return r->proc->running();
  }
  return false;
}

std::string Suite::LogOf(const std::string& service, int replica) const {
  for (const auto& r : running_) {
    if (r->service == service && r->replica == replica) return r->proc->log();
  }
  return "";
}

std::string Suite::gateway_url() const {
  return absl::StrCat("http://127.0.0.1:", endpoints("gateway").http);
}

std::string Suite::VodThroughGateway(const std::string& url) const {
  if (!absl::StartsWith(url, kVodPublicBase)) return url;
  return gateway_url() + url.substr(std::string(kVodPublicBase).size());
}

std::string Suite::RtmpUrl(const std::string& stream_key) const {
  return absl::StrCat("rtmp://127.0.0.1:", endpoints("video-ingest").rtmp, "/live/", stream_key);
}

auth::ServiceTlsFiles Suite::TlsOf(const std::string& service) const {
  return auth::testing::DevPki(dir_.File("pki"), {service}).FilesOf(service);
}

void Suite::RoutePeers(const std::string& service, std::vector<std::string>& env) const {
  for (const auto& [peer, e] : endpoints_) {
    for (int port : {e.grpc, e.internal_grpc}) {
      if (port == 0) continue;
      const std::string real = Local(port);
      const std::string routed = options_.peer_address(service, peer, real);
      if (routed.empty() || routed == real) continue;
      for (std::string& entry : env) {
        // Whole addresses only: 127.0.0.1:5005 is not a prefix of 127.0.0.1:50051.
        for (size_t at = entry.find(real); at != std::string::npos; at = entry.find(real, at)) {
          const size_t end = at + real.size();
          if (end < entry.size() && isdigit(static_cast<unsigned char>(entry[end]))) {
            at = end;
            continue;
          }
          entry.replace(at, real.size(), routed);
          at += routed.size();
        }
      }
    }
  }
}

pid_t Suite::PidOf(const std::string& service) const {
  for (const auto& r : running_) {
    if (r->service == service && r->proc->running()) return r->proc->pid();
  }
  return -1;
}

std::string Suite::LogOf(const std::string& service) const {
  for (const auto& r : running_) {
    if (r->service == service) return r->proc->log();
  }
  return "";
}

Account Suite::CreateAccount(const std::string& username, auth::Role role,
                             const std::string& password) {
  Account a;
  a.username = username;
  a.email = username + "@shopcast.test";
  a.password = password;
  a.role = role;
  const std::string p = EnvPrefix("user");
  // The operator's command: the password on stdin, the user id on stdout.
  const std::string command = absl::StrCat(
      "printf '%s\\n' ", ShellQuote(password), " | env ", ShellQuote(p + "DB_DSN=" + DsnOf("user")),
      " ", ShellQuote(p + "SIGNING_KEY_FILE=" + dir_.File("signing.pem")), " ",
      ShellQuote(BinaryOf("user")), " create-user ", ShellQuote(username), " ", ShellQuote(a.email),
      " ", auth::RoleName(role), " 2>>", ShellQuote(dir_.File("user-admin.log")));
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) throw std::runtime_error("suite: popen create-user");
  std::array<char, 256> line{};
  std::string id;
  while (fgets(line.data(), line.size(), out) != nullptr) id += line.data();
  const int rc = pclose(out);
  a.id = std::string(absl::StripAsciiWhitespace(id));
  if (rc != 0 || a.id.empty()) {
    throw std::runtime_error("suite: create-user " + username + " failed (see user-admin.log)");
  }
  return a;
}

std::string Suite::Login(const Account& account) const {
  auto stub = user::v1::UserService::NewStub(PeerChannel("user"));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  user::v1::LoginRequest request;
  request.set_login(account.username);
  request.set_password(account.password);
  user::v1::LoginResponse response;
  grpc::Status s = stub->Login(&ctx, request, &response);
  if (!s.ok())
    throw std::runtime_error("suite: login " + account.username + ": " + s.error_message());
  return response.tokens().access_token();
}

}  // namespace shopcast::suite
