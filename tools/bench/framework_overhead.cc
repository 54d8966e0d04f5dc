// What the server framework costs per RPC: the user service's GetSigningKeys served through
// the full runtime (ServiceHost: interceptor with metrics and the JSON access log, logging on)
// against a bare gRPC callback server returning the same bytes, driven by one asynchronous
// load client, in one run, with 1, 8 and 64 calls in flight. Each server is a child process of
// this one, so its CPU time per call is read from /proc apart from the client's. Rounds
// alternate between the two servers; the medians of the ratios are printed, with their spread.
// Short rounds and many of them: on a shared machine, load from other processes comes and goes
// in bursts of seconds, and a pair of short back-to-back rounds sees the same conditions.
//
//   framework_overhead [--seconds=1] [--rounds=15] [--in_flight=1,8,64] [--bare_interceptor]
//
// --bare_interceptor gives the bare server an interceptor that does nothing, to tell what
// gRPC's interceptor machinery costs by itself from what our runtime does in it.
//
// The access log goes to a scratch file in $TMPDIR (removed at the end); its line count and
// the logger's dropped-line count are printed, to show the logging really happened.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "accounts.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/server_interceptor.h"
#include "passwords.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/db/pool.h"
#include "shopcast/log/log.h"
#include "shopcast/server/host.h"
#include "shopcast/user/v1/user.grpc.pb.h"
#include "store/user_store.h"
#include "user_service.h"

ABSL_FLAG(double, seconds, 1.0, "measured seconds per server per round");
ABSL_FLAG(int, rounds, 15, "rounds per concurrency (servers alternate within a round)");
ABSL_FLAG(double, warmup_seconds, 0.3, "unmeasured load before each measured round");
ABSL_FLAG(bool, bare_interceptor, false,
          "give the bare server a no-op interceptor (the cost of gRPC's interceptor machinery)");
ABSL_FLAG(std::string, in_flight, "1,8,64", "calls in flight, comma-separated");
ABSL_FLAG(std::string, role, "", "internal: run as the 'bare' or 'framework' server child");
ABSL_FLAG(std::string, response_file, "", "internal: the bare server's serialized response");

namespace {

namespace pb = shopcast::user::v1;
using Clock = std::chrono::steady_clock;

// ---- The servers (child processes). Each prints "port <n>" and serves until stdin closes.

class BareService final : public pb::UserService::CallbackService {
 public:
  explicit BareService(pb::GetSigningKeysResponse response) : response_(std::move(response)) {}
  grpc::ServerUnaryReactor* GetSigningKeys(grpc::CallbackServerContext* ctx,
                                           const pb::GetSigningKeysRequest*,
                                           pb::GetSigningKeysResponse* res) override {
    *res = response_;
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const pb::GetSigningKeysResponse response_;
};

// Passes every batch on untouched: what any interceptor costs in gRPC's machinery.
class NoopInterceptor final : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }
};

class NoopInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new NoopInterceptor;
  }
};

void ServeUntilStdinCloses(int port) {
  std::printf("port %d\n", port);
  std::fflush(stdout);
  char c;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
}

int RunBare(const std::string& response_file, bool with_interceptor) {
  pb::GetSigningKeysResponse response;
  std::ifstream in(response_file, std::ios::binary);
  if (!response.ParseFromIstream(&in)) return 1;
  BareService service(std::move(response));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  if (with_interceptor) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
    factories.push_back(std::make_unique<NoopInterceptorFactory>());
    builder.experimental().SetInterceptorCreators(std::move(factories));
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  ServeUntilStdinCloses(port);
  server->Shutdown();
  return 0;
}

// The user service as its binary wires it, minus the database: GetSigningKeys never reaches
// the pool, which opens no connection until asked.
int RunFramework() {
  shopcast::log::Configure(shopcast::log::Level::kInfo, "user");
  auto key = shopcast::auth::GenerateSigningKey("bench");
  auto pool = shopcast::db::Pool::Create(
      {"host=127.0.0.1 port=1 dbname=unused", 2, absl::Seconds(1), {}, "bench"});
  if (!key.ok() || !pool.ok()) return 1;
  std::vector<shopcast::auth::PublicKey> keys = {shopcast::auth::PublicKeyOf(*key)};
  shopcast::user::PasswordHasher hasher;
  shopcast::auth::TokenIssuer issuer(*key, "shopcast-user", "shopcast", absl::Minutes(15));
  shopcast::auth::TokenVerifier verifier(keys, "shopcast-user", "shopcast");
  shopcast::user::UserStore store(**pool);
  shopcast::user::Accounts accounts(store, hasher, issuer, shopcast::user::AccountsOptions{});
  shopcast::server::HostOptions options;
  options.service_name = "user";
  options.grpc_addr = "127.0.0.1:0";
  options.executor_threads = 2;
  shopcast::server::ServiceHost host(options);
  shopcast::user::UserServiceImpl service(accounts, verifier, keys, "shopcast-user", "shopcast",
                                          host.executor());
  host.AddService(&service);
  if (!host.Start().ok()) return 1;
  ServeUntilStdinCloses(host.grpc_port());
  host.Shutdown();
  shopcast::log::Flush(absl::Seconds(10));
  std::printf("dropped %llu\n", static_cast<unsigned long long>(shopcast::log::DroppedLines()));
  return 0;
}

// ---- The parent: starts the servers, drives them, prints the table.

struct Child {
  pid_t pid = -1;
  int to_child = -1;     // its stdin
  FILE* from = nullptr;  // its stdout
  int port = 0;
};

Child Spawn(const std::vector<std::string>& args, const std::string& stderr_path) {
  int in[2], out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) std::abort();
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(err, STDERR_FILENO);
    ::close(in[1]);
    ::close(out[0]);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  c.to_child = in[1];
  c.from = ::fdopen(out[0], "r");
  if (std::fscanf(c.from, "port %d", &c.port) != 1) {
    std::fprintf(stderr, "server child did not start (see %s)\n", stderr_path.c_str());
    std::exit(1);
  }
  return c;
}

// Closes the child's stdin, returns the rest of its stdout, reaps it.
std::string Stop(Child& c) {
  ::close(c.to_child);
  std::string rest;
  char buf[256];
  while (std::fgets(buf, sizeof buf, c.from) != nullptr) rest += buf;
  std::fclose(c.from);
  int status = 0;
  ::waitpid(c.pid, &status, 0);
  return rest;
}

// User + system CPU seconds the process has used so far.
double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start at the last ')'.
  std::vector<std::string> f = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  int64_t utime = 0, stime = 0;
  if (f.size() < 13 || !absl::SimpleAtoi(f[11], &utime) || !absl::SimpleAtoi(f[12], &stime)) {
    return 0;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Keeps `in_flight` GetSigningKeys calls going on `stub` with the callback API until told to
// stop; counts completions and failures.
class Load {
 public:
  Load(pb::UserService::Stub& stub, int in_flight) : stub_(stub), in_flight_(in_flight) {}

  void Start() {
    for (int i = 0; i < in_flight_; ++i) Issue();
  }
  void StopAndWait() {
    stopping_.store(true);
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(
        +[](int* outstanding) { return *outstanding == 0; }, &outstanding_));
  }
  int64_t ok() const { return ok_.load(); }
  int64_t failed() const { return failed_.load(); }

 private:
  struct Call {
    grpc::ClientContext ctx;
    pb::GetSigningKeysRequest req;
    pb::GetSigningKeysResponse res;
  };

  void Issue() {
    {
      absl::MutexLock l(&mu_);
      ++outstanding_;
    }
    auto* call = new Call;
    call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    stub_.async()->GetSigningKeys(&call->ctx, &call->req, &call->res, [this, call](grpc::Status s) {
      (s.ok() ? ok_ : failed_).fetch_add(1);
      delete call;
      if (!stopping_.load()) Issue();
      absl::MutexLock l(&mu_);
      --outstanding_;
    });
  }

  pb::UserService::Stub& stub_;
  const int in_flight_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> ok_{0};
  std::atomic<int64_t> failed_{0};
  absl::Mutex mu_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
};

struct Sample {
  double calls_per_s = 0;
  double cpu_us_per_call = 0;
  int64_t failed = 0;
};

Sample Measure(pb::UserService::Stub& stub, pid_t server, int in_flight, double seconds,
               double warmup) {
  Load load(stub, in_flight);
  load.Start();
  absl::SleepFor(absl::Seconds(warmup));  // connections, thread pools, caches
  const int64_t ok0 = load.ok();
  const double cpu0 = CpuSeconds(server);
  const auto t0 = Clock::now();
  absl::SleepFor(absl::Seconds(seconds));
  const int64_t ok1 = load.ok();
  const double cpu1 = CpuSeconds(server);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  load.StopAndWait();
  Sample s;
  const double calls = static_cast<double>(ok1 - ok0);
  s.calls_per_s = calls / wall;
  s.cpu_us_per_call = calls > 0 ? (cpu1 - cpu0) * 1e6 / calls : 0;
  s.failed = load.failed();
  return s;
}

// The value below which a fraction `q` of `v` lies (nearest rank).
double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

double Median(std::vector<double> v) { return Quantile(std::move(v), 0.5); }

int64_t CountLines(const std::string& path) {
  std::ifstream in(path);
  return std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string role = absl::GetFlag(FLAGS_role);
  if (role == "bare") {
    return RunBare(absl::GetFlag(FLAGS_response_file), absl::GetFlag(FLAGS_bare_interceptor));
  }
  if (role == "framework") return RunFramework();

  ::signal(SIGPIPE, SIG_IGN);
  const char* tmp = std::getenv("TMPDIR");
  std::string scratch = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/framework-bench-XXXXXX");
  if (::mkdtemp(scratch.data()) == nullptr) return 1;
  const std::string access_log = scratch + "/framework.stderr";
  const std::string response_file = scratch + "/response.bin";

  Child framework = Spawn({"framework_overhead", "--role=framework"}, access_log);
  auto fw_stub = pb::UserService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", framework.port), grpc::InsecureChannelCredentials()));
  // The bare server answers with exactly the bytes the user service sends.
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    pb::GetSigningKeysResponse res;
    if (!fw_stub->GetSigningKeys(&ctx, {}, &res).ok()) return 1;
    std::ofstream out(response_file, std::ios::binary);
    res.SerializeToOstream(&out);
  }
  const bool bare_interceptor = absl::GetFlag(FLAGS_bare_interceptor);
  Child bare = Spawn({"framework_overhead", "--role=bare", "--response_file=" + response_file,
                      bare_interceptor ? "--bare_interceptor" : "--nobare_interceptor"},
                     scratch + "/bare.stderr");
  auto bare_stub = pb::UserService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", bare.port), grpc::InsecureChannelCredentials()));

  std::vector<int> levels;
  for (absl::string_view s : absl::StrSplit(absl::GetFlag(FLAGS_in_flight), ',')) {
    int n = 0;
    if (absl::SimpleAtoi(s, &n) && n > 0) levels.push_back(n);
  }
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const double warmup = absl::GetFlag(FLAGS_warmup_seconds);
  const int rounds = absl::GetFlag(FLAGS_rounds);

  std::printf("GetSigningKeys, %d rounds x %.1f s per server, cores=%ld, bare server %s\n", rounds,
              seconds, ::sysconf(_SC_NPROCESSORS_ONLN),
              bare_interceptor ? "WITH a no-op interceptor" : "as gRPC comes");
  std::printf("%9s %12s %12s %7s %11s %14s %14s %10s %7s\n", "in_flight", "bare/s", "framework/s",
              "ratio", "ratio p25-75", "bare cpu us", "fw cpu us", "+cpu us", "errors");
  int64_t errors = 0;
  for (int level : levels) {
    std::vector<double> bare_rate, fw_rate, ratio, bare_cpu, fw_cpu, extra_cpu;
    for (int r = 0; r < rounds; ++r) {
      // Alternate who goes first, so drift in the machine's load doesn't favour one side.
      Sample b, f;
      if (r % 2 == 0) {
        b = Measure(*bare_stub, bare.pid, level, seconds, warmup);
        f = Measure(*fw_stub, framework.pid, level, seconds, warmup);
      } else {
        f = Measure(*fw_stub, framework.pid, level, seconds, warmup);
        b = Measure(*bare_stub, bare.pid, level, seconds, warmup);
      }
      errors += b.failed + f.failed;
      bare_rate.push_back(b.calls_per_s);
      fw_rate.push_back(f.calls_per_s);
      ratio.push_back(f.calls_per_s / b.calls_per_s);
      bare_cpu.push_back(b.cpu_us_per_call);
      fw_cpu.push_back(f.cpu_us_per_call);
      extra_cpu.push_back(f.cpu_us_per_call - b.cpu_us_per_call);
    }
    std::printf("%9d %12.0f %12.0f %7.2f   %4.2f-%4.2f %14.1f %14.1f %10.1f %7lld\n", level,
                Median(bare_rate), Median(fw_rate), Median(ratio), Quantile(ratio, 0.25),
                Quantile(ratio, 0.75), Median(bare_cpu), Median(fw_cpu), Median(extra_cpu),
                static_cast<long long>(errors));
    std::fflush(stdout);
  }
  Stop(bare);
  const std::string fw_tail = Stop(framework);
  std::printf("access log: %lld lines written; logger %s",
              static_cast<long long>(CountLines(access_log)),
              fw_tail.empty() ? "said nothing\n" : fw_tail.c_str());
  std::printf("medians over rounds; ratio = framework calls/s / bare calls/s\n");
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  return errors == 0 ? 0 : 1;
}
