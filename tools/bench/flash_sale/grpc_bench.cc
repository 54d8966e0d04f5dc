// Flash-sale load through the gRPC API (issue 9 §5): in one run, buyers with real bearer
// tokens call Reserve on
//   product-inventory  the real binary (release build), products made through its API;
//   naive              flash_sale_baseline_server --mode=naive: one SELECT … FOR UPDATE
//                      transaction per request, same PostgreSQL, same durability;
//   empty              flash_sale_baseline_server --mode=empty: answers at once, no database —
//                      the ceiling of a gRPC call on this harness;
//   empty-auth         --mode=empty_auth: the same after the service's token check — the
//                      ceiling of an authenticated call.
// Scenarios:
//   sustained  one product with 1,000,000 units, --buyers buyers reserving one unit at a time
//              for --seconds: durable reservations/s, p50/p99/max;
//   burst      10,000 distinct buyers (limit 1 each) for 100 units: exactly 100 holds, the rest
//              a prompt sold-out;
//   spread     500 products × 20 units, 20,000 buyers.
// After each run on a database: oversold units (must be 0) and the invariant, from the tables.
// Every server × scenario gets a fresh database (right after a CHECKPOINT) and a fresh process.
//
// Run it through run.sh (a durable scratch cluster, the credentials, the binaries).

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/catalog_setup.h"
#include "common/pi_process.h"
#include "common/proc_cpu.h"
#include "common/tokens.h"
#include "grpc_load.h"
#include "scratch.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/process.h"
#include "stock/stock_sql.h"
#include "stock/stock_tx.h"

ABSL_FLAG(std::string, admin_dsn, "", "superuser DSN of the scratch cluster");
ABSL_FLAG(std::string, work_dir, "", "scratch folder: keys, logs");
ABSL_FLAG(std::string, pki_dir, "", "tools/dev-pki folder with product-inventory's credential");
ABSL_FLAG(std::string, product_inventory_bin, "", "the product-inventory binary");
ABSL_FLAG(std::string, baseline_bin, "", "flash_sale_baseline_server");
ABSL_FLAG(std::string, scenarios, "sustained,burst,spread", "comma-separated");
ABSL_FLAG(std::string, servers, "product-inventory,naive,empty,empty-auth", "comma-separated");
ABSL_FLAG(int, buyers, 200, "concurrent buyers (outstanding calls)");
ABSL_FLAG(int, channels, 8, "client channels (TCP connections) the buyers share");
ABSL_FLAG(double, seconds, 20, "sustained scenario length");
ABSL_FLAG(int, pool, 32, "database connections of each server");
ABSL_FLAG(int, workers, 32, "product-inventory's --stock_batcher_workers");

namespace shopcast::db::embedded {
const MigrationSet& product_inventory_stock_benchMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::bench::flash_sale {
namespace {

struct Scenario {
  std::string name;
  int products = 1;
  int64_t units = 0;
  int32_t per_user_limit = 0;
  int64_t count = 0;  // 0: for --seconds.
  int distinct_buyers = 0;
};

Scenario ScenarioNamed(const std::string& name) {
  if (name == "sustained") return {name, 1, 1'000'000, 0, 0, 200};
  if (name == "burst") return {name, 1, 100, 1, 10'000, 10'000};
  if (name == "spread") return {name, 500, 20, 0, 20'000, 20'000};
  std::fprintf(stderr, "unknown scenario %s\n", name.c_str());
  std::exit(2);
}

// CPU time each process spent during the load (not setup, not shutdown), in microseconds;
// pg is the whole cluster (-1: no database).
struct CpuUse {
  int64_t client = 0, server = 0, pg = -1;
};

struct Row {
  std::string scenario, server;
  LoadResult load;
  std::optional<AuditResult> audit;
  CpuUse cpu;
};

std::unique_ptr<testing::ChildProcess> StartProductInventory(const std::string& dsn,
                                                             const std::string& log,
                                                             const Tokens& tokens) {
  return bench::StartProductInventory(PiProcessOptions{
      absl::GetFlag(FLAGS_product_inventory_bin), dsn, absl::GetFlag(FLAGS_pki_dir),
      absl::GetFlag(FLAGS_work_dir), tokens.public_key_file(), log, absl::GetFlag(FLAGS_pool),
      absl::GetFlag(FLAGS_workers)});
}

std::unique_ptr<testing::ChildProcess> StartBaseline(const std::string& mode,
                                                     const std::string& dsn, const std::string& log,
                                                     const Tokens& tokens) {
  return std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{absl::GetFlag(FLAGS_baseline_bin), "--mode=" + mode, "--dsn=" + dsn,
                               "--pool=" + std::to_string(absl::GetFlag(FLAGS_pool)),
                               "--verify_key_file=" + tokens.public_key_file()},
      std::vector<std::string>{}, log);
}

// The naive server's database: the stock tables alone, the products' rows written directly.
std::vector<std::string> CreateNaiveProducts(const std::string& dsn, const Scenario& sc) {
  if (absl::Status s =
          db::ApplyMigrations(dsn, {&db::embedded::product_inventory_stock_benchMigrations()});
      !s.ok()) {
    std::fprintf(stderr, "migrations: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  auto pool = db::Pool::Create(db::PoolOptions{
      dsn, 1, absl::Minutes(1), product_inventory::stock::sql::PreparedStatements(), "setup"});
  if (!pool.ok()) throw std::runtime_error("pool: " + pool.status().ToString());
  std::vector<std::string> products;
  product_inventory::stock::SaleRules rules;
  rules.per_user_limit = sc.per_user_limit;
  absl::Status created = db::InTransaction(**pool, [&](pqxx::work& tx) -> absl::Status {
    for (int i = 0; i < sc.products; ++i) {
      products.push_back(ids::NewId("prd"));
      if (absl::Status s = product_inventory::stock::tx::CreateStock(tx, products.back(), sc.units,
                                                                     rules, absl::Now());
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
  if (!created.ok()) throw std::runtime_error("stock: " + created.ToString());
  return products;
}

Row RunOne(const Scenario& sc, const std::string& server, Tokens& tokens) {
  Row row{sc.name, server, {}, std::nullopt, {}};
  const std::string admin = absl::GetFlag(FLAGS_admin_dsn);
  const std::string log =
      absl::StrCat(absl::GetFlag(FLAGS_work_dir), "/", sc.name, ".", server, ".log");
  std::optional<ScratchDb> db;
  std::vector<std::string> products;
  std::unique_ptr<testing::ChildProcess> proc;
  if (server != "empty" && server != "empty-auth") {
    db.emplace(admin);
    Checkpoint(admin);
  }
  if (server == "product-inventory") {
    proc = StartProductInventory(db->dsn(), log, tokens);
  } else if (server == "naive") {
    products = CreateNaiveProducts(db->dsn(), sc);
    proc = StartBaseline("naive", db->dsn(), log, tokens);
  } else if (server == "empty" || server == "empty-auth") {
    for (int i = 0; i < sc.products; ++i) products.push_back(ids::NewId("prd"));
    proc = StartBaseline(server == "empty" ? "empty" : "empty_auth", "", log, tokens);
  } else {
    std::fprintf(stderr, "unknown server %s\n", server.c_str());
    std::exit(2);
  }
  const int port = proc->WaitForLogEvent("server_started", absl::Seconds(120))["grpc_port"];
  const auto stubs = MakeStubs(absl::StrCat("127.0.0.1:", port), absl::GetFlag(FLAGS_channels));
  if (server == "product-inventory") {
    auto made = CreateProducts(*stubs[0], tokens.admin(), tokens.host(),
                               {sc.products, sc.units, sc.per_user_limit});
    // Thrown, not exit(): unwinding SIGKILLs the child, which would otherwise outlive us
    // holding every descriptor it inherited (the build lock's among them).
    if (!made.ok()) throw std::runtime_error("setup: " + made.status().ToString());
    products = *std::move(made);
  }
  const std::vector<std::string>& buyers = tokens.Buyers(sc.distinct_buyers);

  MakeBuyerRequest make;
  if (sc.name == "sustained") {
    make = [&](int64_t i) {
      BuyerRequest r;
      r.request.set_product_id(products[0]);
      r.request.set_quantity(1);
      r.request.set_idempotency_key(absl::StrCat("k", i));
      r.authorization = &buyers[static_cast<size_t>(i % sc.distinct_buyers)];
      return r;
    };
  } else {
    make = [&](int64_t i) {
      BuyerRequest r;
      // Consecutive buyers hit different products, as a spread-out audience does.
      r.request.set_product_id(products[static_cast<size_t>((i * 7919) % sc.products)]);
      r.request.set_quantity(1);
      r.request.set_idempotency_key("k");
      r.authorization = &buyers[static_cast<size_t>(i)];
      return r;
    };
  }
  std::optional<ClusterCpu> cluster;
  if (db) cluster.emplace(admin);
  auto sample = [&] {
    return CpuUse{ProcessCpuMicros(getpid()), ProcessCpuMicros(proc->pid()),
                  cluster ? cluster->Micros() : -1};
  };
  const CpuUse before = sample();
  row.load =
      RunLoad(stubs, absl::GetFlag(FLAGS_buyers), sc.count, absl::GetFlag(FLAGS_seconds), make);
  const CpuUse after = sample();
  row.cpu = {after.client - before.client, after.server - before.server,
             cluster ? after.pg - before.pg : -1};
  proc->Signal(SIGTERM);
  if (proc->Wait(60'000) != 0) std::fprintf(stderr, "%s did not exit cleanly\n", server.c_str());
  if (db) row.audit = Audit(db->dsn());
  return row;
}

void PrintRow(const Row& r) {
  const double s = r.load.seconds > 0 ? r.load.seconds : 1;
  std::printf("%-10s %-17s %8lld %8lld %8lld %6lld %7.2f %10.0f %10.0f %8.2f %8.2f %8.2f %8s %9s\n",
              r.scenario.c_str(), r.server.c_str(), static_cast<long long>(r.load.requests),
              static_cast<long long>(r.load.granted), static_cast<long long>(r.load.refused),
              static_cast<long long>(r.load.errors), r.load.seconds,
              static_cast<double>(r.load.requests) / s, static_cast<double>(r.load.granted) / s,
              r.load.p50_ms, r.load.p99_ms, r.load.max_ms,
              r.audit ? std::to_string(r.audit->oversold).c_str() : "-",
              r.audit ? (r.audit->invariant ? "holds" : "BROKEN") : "-");
  std::fflush(stdout);
}

}  // namespace
}  // namespace shopcast::bench::flash_sale

int main(int argc, char** argv) {
  // As the services' release binaries do (libs/startup): Debian's Abseil would otherwise check
  // every mutex acquisition of gRPC's client for lock-order cycles, ~1 µs of the load client's
  // CPU per call, taken from the cores the servers under test share.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  namespace fs = shopcast::bench::flash_sale;
  if (absl::GetFlag(FLAGS_admin_dsn).empty() || absl::GetFlag(FLAGS_work_dir).empty()) {
    std::fprintf(stderr, "--admin_dsn and --work_dir are required (run it through run.sh)\n");
    return 2;
  }
  std::printf("%s\n", shopcast::bench::Settings(absl::GetFlag(FLAGS_admin_dsn)).c_str());
  std::printf("through gRPC: buyers=%d channels=%d pool=%d workers=%d sustained_seconds=%.0f\n\n",
              absl::GetFlag(FLAGS_buyers), absl::GetFlag(FLAGS_channels), absl::GetFlag(FLAGS_pool),
              absl::GetFlag(FLAGS_workers), absl::GetFlag(FLAGS_seconds));
  shopcast::bench::Tokens tokens(absl::GetFlag(FLAGS_work_dir));
  std::printf("%-10s %-17s %8s %8s %8s %6s %7s %10s %10s %8s %8s %8s %8s %9s\n", "scenario",
              "server", "requests", "granted", "refused", "errors", "seconds", "answered/s",
              "granted/s", "p50_ms", "p99_ms", "max_ms", "oversold", "invariant");
  std::vector<fs::Row> rows;
  const std::vector<std::string> scenarios =
      absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',', absl::SkipEmpty());
  const std::vector<std::string> servers =
      absl::StrSplit(absl::GetFlag(FLAGS_servers), ',', absl::SkipEmpty());
  try {
    for (const std::string& name : scenarios) {
      const fs::Scenario sc = fs::ScenarioNamed(name);
      for (const std::string& server : servers) {
        rows.push_back(fs::RunOne(sc, server, tokens));
        fs::PrintRow(rows.back());
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flash_sale_grpc_bench: %s\n", e.what());
    return 1;
  }
  // CPU per answered call: the measure that other load on a shared machine disturbs least.
  std::printf(
      "\n%-10s %-17s %12s %12s %12s %12s   (CPU µs per answered call during the load; "
      "= per granted on sustained)\n",
      "scenario", "server", "client_us", "server_us", "postgres_us", "total_us");
  for (const auto& r : rows) {
    const double n = r.load.requests > 0 ? static_cast<double>(r.load.requests) : 1;
    const double pg = r.cpu.pg < 0 ? 0 : static_cast<double>(r.cpu.pg) / n;
    std::printf("%-10s %-17s %12.1f %12.1f %12s %12.1f\n", r.scenario.c_str(), r.server.c_str(),
                static_cast<double>(r.cpu.client) / n, static_cast<double>(r.cpu.server) / n,
                r.cpu.pg < 0 ? "-" : absl::StrFormat("%.1f", pg).c_str(),
                (static_cast<double>(r.cpu.client) + static_cast<double>(r.cpu.server)) / n + pg);
  }
  // Ratios against the naive baseline (and the share of the empty call's rate reached).
  std::map<std::string, std::map<std::string, const fs::Row*>> by;
  for (const auto& r : rows) by[r.scenario][r.server] = &r;
  std::printf("\n%-10s %20s %20s %20s %20s\n", "scenario", "granted/s pi÷naive",
              "answered/s pi÷naive", "answered/s pi÷empty", "pi÷empty-auth");
  for (const auto& [scenario, of] : by) {
    auto rate = [&](const char* server, bool granted) -> double {
      auto it = of.find(server);
      if (it == of.end() || it->second->load.seconds <= 0) return 0;
      const auto& l = it->second->load;
      return static_cast<double>(granted ? l.granted : l.requests) / l.seconds;
    };
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    const double pi_g = rate("product-inventory", true), pi_a = rate("product-inventory", false);
    std::printf("%-10s %19.1fx %19.1fx %19.2fx %19.2fx\n", scenario.c_str(),
                ratio(pi_g, rate("naive", true)), ratio(pi_a, rate("naive", false)),
                ratio(pi_a, rate("empty", false)), ratio(pi_a, rate("empty-auth", false)));
  }
  return 0;
}
