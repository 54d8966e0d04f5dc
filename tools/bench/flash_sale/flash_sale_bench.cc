// Flash-sale load on the stock engine, library level (the --library mode of run.sh; the
// gRPC benchmark is grpc_bench.cc): the batched engine
// (ReserveBatcher → one stock_reserve_batch call per batch) against the naive baseline (one
// SELECT … FOR UPDATE transaction per request), same PostgreSQL, same durability, each run in
// a fresh database. Scenarios (issue 9 §5):
//   sustained  one product with 1,000,000 units, --buyers threads reserving one unit at a time
//              for --seconds: durable reservations/s and latency;
//   burst      10,000 distinct buyers (limit 1 each) for 100 units, as fast as --buyers threads
//              can send them: exactly 100 holds, the rest a prompt sold-out;
//   spread     500 products × 20 units, 20,000 buyers.
// After each run: oversold units (must be 0) and the invariant (counters == holds).
//
//   flash_sale_bench --admin_dsn='host=… user=… dbname=postgres'
//   [--scenarios=sustained,burst,spread]
//
// Run it through tools/bench/flash_sale/run.sh, which starts a durable cluster for it.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/latency.h"
#include "naive_engine.h"
#include "scratch.h"
#include "shopcast/db/migrations.h"
#include "shopcast/db/pool.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "stock/reserve_batcher.h"
#include "stock/stock_sql.h"
#include "stock/stock_store.h"
#include "stock/stock_tx.h"

ABSL_FLAG(std::string, admin_dsn, "",
          "DSN of a superuser on the cluster (its dbname is used "
          "only to create and drop the benchmark's databases)");
ABSL_FLAG(std::string, scenarios, "sustained,burst,spread", "which scenarios, comma-separated");
ABSL_FLAG(std::string, engines, "naive,batched,batched_async",
          "which engines, comma-separated: naive, batched (buyer threads blocking in Reserve), "
          "batched_async (the same buyers as outstanding ReserveAsync calls, as a gRPC "
          "callback handler makes them)");
ABSL_FLAG(int, buyers, 200, "concurrent buyer threads");
ABSL_FLAG(double, seconds, 20, "sustained scenario length");
ABSL_FLAG(int, pool, 32, "database connections per engine");
ABSL_FLAG(int, workers, 32,
          "batcher threads (batches of different products in parallel); like the service, as "
          "many as database connections, so a spread-out load runs as parallel as the naive one");

namespace shopcast::db::embedded {
const MigrationSet& product_inventory_stock_benchMigrations();
}  // namespace shopcast::db::embedded

namespace shopcast::bench::flash_sale {
namespace {

namespace stock = product_inventory::stock;
using Clock = std::chrono::steady_clock;

struct Outcome {
  std::string scenario, engine;
  int64_t requests = 0, granted = 0, refused = 0, errors = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  int64_t oversold = 0;
  bool invariant = true;
  int64_t holds_in_db = 0;
  double mean_batch = 0;
  double serving_share = 0;  // Batched: share of the wall time the lane spent in the database.
};

// One buyer request: (product, buyer, key) for the i-th request of a run.
using MakeRequest = std::function<stock::ReserveRequest(int64_t i)>;
using Reserve = std::function<absl::Status(const stock::ReserveRequest&)>;

// Drives `threads` buyers until `count` requests are sent (count > 0) or `seconds` pass.
void Drive(int threads, int64_t count, double seconds, const MakeRequest& make,
           const Reserve& reserve, Outcome& out) {
  std::atomic<int64_t> next{0}, granted{0}, refused{0}, errors{0};
  std::vector<std::vector<int64_t>> latencies(threads);
  const auto start = Clock::now();
  const auto stop_at =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& lat = latencies[t];
      lat.reserve(count > 0 ? static_cast<size_t>(count / threads + 1) : 1 << 16);
      while (true) {
        if (count <= 0 && Clock::now() >= stop_at) break;
        const int64_t i = next.fetch_add(1);
        if (count > 0 && i >= count) break;
        const stock::ReserveRequest req = make(i);
        const auto t0 = Clock::now();
        const absl::Status s = reserve(req);
        lat.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
        if (s.ok()) {
          ++granted;
        } else if (s.code() == absl::StatusCode::kResourceExhausted) {
          ++refused;
        } else {
          if (errors.fetch_add(1) < 3) std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  const LatencySummary l = Summarize(std::move(all));
  out.requests = l.count;
  out.granted = granted;
  out.refused = refused;
  out.errors = errors;
  out.p50_ms = l.p50_ms;
  out.p99_ms = l.p99_ms;
  out.max_ms = l.max_ms;
}

// Drives `buyers` outstanding ReserveAsync calls (each answer sends that buyer's next
// request) until `count` requests are sent or `seconds` pass: no thread per buyer, as with
// the gRPC callback API.
class AsyncDriver {
 public:
  AsyncDriver(stock::ReserveBatcher& batcher, int64_t count, double seconds,
              const MakeRequest& make)
      : batcher_(batcher),
        count_(count),
        make_(make),
        start_(Clock::now()),
        stop_at_(start_ + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(seconds))) {}

  void Run(int buyers, Outcome& out) {
    for (int b = 0; b < buyers; ++b) Send();
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return outstanding_ == 0; });
    out.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const LatencySummary l = Summarize(std::move(latencies_));
    out.requests = l.count;
    out.granted = granted_;
    out.refused = refused_;
    out.errors = errors_;
    out.p50_ms = l.p50_ms;
    out.p99_ms = l.p99_ms;
    out.max_ms = l.max_ms;
  }

 private:
  void Send() {
    if (count_ <= 0 && Clock::now() >= stop_at_) return;
    const int64_t i = next_.fetch_add(1);
    if (count_ > 0 && i >= count_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++outstanding_;
    }
    const auto t0 = Clock::now();
    batcher_.ReserveAsync(make_(i), [this, t0](absl::StatusOr<stock::ReserveResult> r) {
      const int64_t ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
      {
        std::lock_guard<std::mutex> lock(mu_);
        latencies_.push_back(ns);
        if (r.ok()) {
          ++granted_;
        } else if (r.status().code() == absl::StatusCode::kResourceExhausted) {
          ++refused_;
        } else if (errors_++ < 3) {
          std::fprintf(stderr, "error: %s\n", r.status().ToString().c_str());
        }
      }
      Send();  // This buyer's next request.
      std::lock_guard<std::mutex> lock(mu_);
      if (--outstanding_ == 0) idle_.notify_all();
    });
  }

  stock::ReserveBatcher& batcher_;
  const int64_t count_;
  const MakeRequest& make_;
  const Clock::time_point start_, stop_at_;
  std::atomic<int64_t> next_{0};
  std::mutex mu_;
  std::condition_variable idle_;
  int outstanding_ = 0;
  std::vector<int64_t> latencies_;
  int64_t granted_ = 0, refused_ = 0, errors_ = 0;
};

Outcome RunOne(const std::string& scenario, const std::string& engine) {
  Outcome out;
  out.scenario = scenario;
  out.engine = engine;
  ScratchDb db(absl::GetFlag(FLAGS_admin_dsn));
  Checkpoint(absl::GetFlag(FLAGS_admin_dsn));
  if (absl::Status s =
          db::ApplyMigrations(db.dsn(), {&db::embedded::product_inventory_stock_benchMigrations()});
      !s.ok()) {
    std::fprintf(stderr, "migrations: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  auto prepared = stock::sql::PreparedStatements();
  for (auto& p : NaiveEngine::PreparedStatements()) prepared.push_back(p);
  auto pool = db::Pool::Create(db::PoolOptions{db.dsn(), absl::GetFlag(FLAGS_pool),
                                               absl::Minutes(2), prepared, "flash-sale-bench"});
  if (!pool.ok()) std::exit(1);
  stock::StockStore store(**pool, [] { return absl::Now(); });

  // Products.
  std::vector<std::string> products;
  int64_t units = 0;
  int products_n = 1;
  stock::SaleRules rules;
  if (scenario == "sustained") {
    units = 1'000'000;
  } else if (scenario == "burst") {
    units = 100;
    rules.per_user_limit = 1;
  } else {
    units = 20;
    products_n = 500;
  }
  for (int i = 0; i < products_n; ++i) products.push_back(ids::NewId("prd"));
  absl::Status created = db::InTransaction(**pool, [&](pqxx::work& tx) -> absl::Status {
    for (const auto& p : products) {
      if (absl::Status s = stock::tx::CreateStock(tx, p, units, rules, absl::Now()); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
  if (!created.ok()) std::exit(1);

  const std::string run = ids::NewUniqueId("r");
  MakeRequest make;
  int64_t count = 0;
  if (scenario == "sustained") {
    make = [&](int64_t i) {
      return stock::ReserveRequest{products[0], absl::StrCat("usr_", i % 200), 1,
                                   absl::StrCat("k", i)};
    };
  } else if (scenario == "burst") {
    count = 10'000;
    make = [&](int64_t i) {
      return stock::ReserveRequest{products[0], absl::StrCat("usr_", i), 1, "k"};
    };
  } else {
    count = 20'000;
    make = [&](int64_t i) {
      // Consecutive buyers hit different products, as a spread-out audience does.
      return stock::ReserveRequest{products[static_cast<size_t>((i * 7919) % products_n)],
                                   absl::StrCat("usr_", i), 1, "k"};
    };
  }

  const int buyers = absl::GetFlag(FLAGS_buyers);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  if (engine == "naive") {
    NaiveEngine naive(**pool);
    Drive(
        buyers, count, seconds, make,
        [&](const stock::ReserveRequest& r) { return naive.Reserve(r, absl::Now()).status(); },
        out);
  } else {
    stock::ReserveBatcher batcher(store, {absl::GetFlag(FLAGS_workers), 512});
    if (engine == "batched_async") {
      AsyncDriver(batcher, count, seconds, make).Run(buyers, out);
    } else {
      Drive(
          buyers, count, seconds, make,
          [&](const stock::ReserveRequest& r) { return batcher.Reserve(r).status(); }, out);
    }
    const auto st = batcher.stats();
    out.mean_batch = st.batches ? static_cast<double>(st.requests) / st.batches : 0;
    out.serving_share = absl::ToDoubleSeconds(st.serving) / out.seconds;
  }
  pool->reset();
  const AuditResult audit = Audit(db.dsn());
  out.oversold = audit.oversold;
  out.invariant = audit.invariant;
  out.holds_in_db = audit.holds;
  return out;
}

}  // namespace
}  // namespace shopcast::bench::flash_sale

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  namespace fs = shopcast::bench::flash_sale;
  const std::string admin = absl::GetFlag(FLAGS_admin_dsn);
  if (admin.empty()) {
    std::fprintf(stderr, "--admin_dsn is required\n");
    return 2;
  }
  std::printf("%s\n", shopcast::bench::Settings(admin).c_str());
  std::printf("buyers=%d pool=%d workers=%d sustained_seconds=%.0f\n\n",
              absl::GetFlag(FLAGS_buyers), absl::GetFlag(FLAGS_pool), absl::GetFlag(FLAGS_workers),
              absl::GetFlag(FLAGS_seconds));
  std::printf("%-10s %-8s %9s %8s %8s %6s %8s %10s %8s %8s %8s %9s %9s %10s %8s\n", "scenario",
              "engine", "requests", "granted", "refused", "errors", "seconds", "granted/s",
              "p50_ms", "p99_ms", "max_ms", "oversold", "invariant", "mean_batch", "db_busy");
  const std::vector<std::string> scenarios =
      absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',', absl::SkipEmpty());
  const std::vector<std::string> engines =
      absl::StrSplit(absl::GetFlag(FLAGS_engines), ',', absl::SkipEmpty());
  for (const std::string& scenario : scenarios) {
    for (const std::string& engine : engines) {
      const fs::Outcome o = fs::RunOne(scenario, engine);
      std::printf(
          "%-10s %-8s %9lld %8lld %8lld %6lld %8.2f %10.0f %8.2f %8.2f %8.2f %9lld %9s %10.1f "
          "%8.2f\n",
          o.scenario.c_str(), o.engine.c_str(), static_cast<long long>(o.requests),
          static_cast<long long>(o.granted), static_cast<long long>(o.refused),
          static_cast<long long>(o.errors), o.seconds, static_cast<double>(o.granted) / o.seconds,
          o.p50_ms, o.p99_ms, o.max_ms, static_cast<long long>(o.oversold),
          o.invariant ? "holds" : "BROKEN", o.mean_batch, o.serving_share);
      std::fflush(stdout);
    }
  }
  return 0;
}
