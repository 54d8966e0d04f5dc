// Load generator for the user service: N concurrent clients each run Register -> Login ->
// GetMe on fresh accounts. Prints throughput and p50/p99 per RPC and, from the same run,
// baselines that say where the time goes:
//   - GetSigningKeys: a round trip that touches neither the database nor crypto (the
//     transport and server-runtime floor);
//   - Argon2id: one password hash in this process at the service's cost (the floor of
//     Register and Login, which must each compute one).
// Ratios against those baselines are comparable across machines; absolute times are not.
//
//   user_load --target=127.0.0.1:50051 --clients=8 --accounts=25

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "shopcast/user/v1/user.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "user service address");
ABSL_FLAG(int, clients, 8, "concurrent clients");
ABSL_FLAG(int, accounts, 25, "accounts each client registers");
ABSL_FLAG(int, floor_calls, 2000, "GetSigningKeys calls for the transport baseline");

namespace {

namespace v1 = shopcast::user::v1;
using Clock = std::chrono::steady_clock;

struct Series {
  std::mutex mu;
  std::vector<double> ms;
  int errors = 0;
  void Add(double v, bool ok) {
    std::lock_guard<std::mutex> l(mu);
    if (ok) {
      ms.push_back(v);
    } else {
      ++errors;
    }
  }
};

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

double Since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) c->AddMetadata("authorization", "Bearer " + token);
  return c;
}

void Print(const char* name, Series& s, double wall_s) {
  std::printf("%-16s %8zu %7d %10.1f %9.2f %9.2f\n", name, s.ms.size(), s.errors,
              static_cast<double>(s.ms.size()) / wall_s, Pct(s.ms, 0.50), Pct(s.ms, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (sodium_init() < 0) return 1;
  const std::string target = absl::GetFlag(FLAGS_target);
  const int clients = absl::GetFlag(FLAGS_clients);
  const int accounts = absl::GetFlag(FLAGS_accounts);
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto stub = v1::UserService::NewStub(channel);

  // Baseline 1: transport floor, same concurrency.
  Series floor;
  auto t0 = Clock::now();
  {
    std::vector<std::thread> ts;
    std::atomic<int> left{absl::GetFlag(FLAGS_floor_calls)};
    for (int c = 0; c < clients; ++c) {
      ts.emplace_back([&] {
        while (left.fetch_sub(1) > 0) {
          auto start = Clock::now();
          v1::GetSigningKeysResponse res;
          auto ctx = Ctx();
          bool ok = stub->GetSigningKeys(ctx.get(), {}, &res).ok();
          floor.Add(Since(start), ok);
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  double floor_wall = Since(t0) / 1000.0;

  // Baseline 2: one Argon2id hash at the service's cost (19 MiB, t=2), single thread.
  Series argon;
  for (int i = 0; i < 10; ++i) {
    char out[crypto_pwhash_STRBYTES];
    auto start = Clock::now();
    bool ok = crypto_pwhash_str_alg(out, "correct horse battery", 21, 2, 19u * 1024u * 1024u,
                                    crypto_pwhash_ALG_ARGON2ID13) == 0;
    argon.Add(Since(start), ok);
  }

  // The workload.
  Series reg, login, me;
  const std::string run =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 100000000);
  t0 = Clock::now();
  {
    std::vector<std::thread> ts;
    for (int c = 0; c < clients; ++c) {
      ts.emplace_back([&, c] {
        for (int i = 0; i < accounts; ++i) {
          std::string name = absl::StrCat("b", run, "_", c, "_", i);
          v1::RegisterRequest rq;
          rq.set_username(name);
          rq.set_email(name + "@bench.test");
          rq.set_password("correct horse battery");
          v1::RegisterResponse rs;
          auto start = Clock::now();
          auto c1 = Ctx();
          reg.Add(Since(start), stub->Register(c1.get(), rq, &rs).ok());

          v1::LoginRequest lq;
          lq.set_login(name);
          lq.set_password("correct horse battery");
          v1::LoginResponse ls;
          start = Clock::now();
          auto c2 = Ctx();
          bool ok = stub->Login(c2.get(), lq, &ls).ok();
          login.Add(Since(start), ok);
          if (!ok) continue;

          v1::GetMeResponse ms;
          start = Clock::now();
          auto c3 = Ctx(ls.tokens().access_token());
          me.Add(Since(start), stub->GetMe(c3.get(), {}, &ms).ok());
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  double wall = Since(t0) / 1000.0;

  std::printf("target=%s clients=%d accounts/client=%d cores=%u\n", target.c_str(), clients,
              accounts, std::thread::hardware_concurrency());
  std::printf("%-16s %8s %7s %10s %9s %9s\n", "op", "ok", "errors", "ops/s", "p50 ms", "p99 ms");
  Print("GetSigningKeys*", floor, floor_wall);
  double argon_wall = 0;
  for (double v : argon.ms) argon_wall += v / 1000.0;
  Print("argon2id-hash*", argon, std::max(1e-9, argon_wall));  // one thread
  Print("Register", reg, wall);
  Print("Login", login, wall);
  Print("GetMe", me, wall);
  std::printf("flows/s (Register+Login+GetMe): %.1f over %.1f s\n",
              static_cast<double>(me.ms.size()) / wall, wall);
  double argon_p50 = Pct(argon.ms, 0.5), floor_p50 = Pct(floor.ms, 0.5);
  std::printf("ratios (p50): Register/argon2 %.2f  Login/argon2 %.2f  GetMe/floor %.2f\n",
              Pct(reg.ms, 0.5) / argon_p50, Pct(login.ms, 0.5) / argon_p50,
              Pct(me.ms, 0.5) / floor_p50);
  std::printf("* baselines measured in this run\n");
  return (reg.errors + login.errors + me.errors) == 0 ? 0 : 1;
}
