// Checkout end to end (issue 10 §7): buyers with real bearer tokens Reserve at product-inventory's
// public API and PlaceOrder at order's (simulated provider, pm_test_approve), against the real
// release binaries, each with its own database on one durable PostgreSQL cluster. Beside it, in
// the same run and the same harness, the baseline: the Reserve-only flow (flash_sale's
// sustained load), so the table reads as what a checkout adds to a reservation.
//
// Scenarios:
//   hot     one product with 1,000,000 units: every buyer on it (a flash sale);
//   spread  200 products × 10,000 units, consecutive flows on different products.
// Flows: reserve-only (product-inventory alone) and checkout (one run per --order_pools entry).
// Every run gets fresh databases (right after a CHECKPOINT) and fresh processes.
//
// Per run: completed flows/s (confirmed orders, or holds), client latency per hop and of the
// flow; where the time goes, from each service's Prometheus endpoint scraped right before and
// after the load (means of grpc_server_handling_seconds per method and of order's
// order_saga_step_seconds per step); CPU µs per completed flow of the client, product-inventory,
// order and the PostgreSQL cluster (/proc); an audit of both databases.
//
// Run it through run.sh (a durable scratch cluster, the credentials, the binaries).

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <functional>
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
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "checkout_load.h"
#include "common/catalog_setup.h"
#include "common/channels.h"
#include "common/metrics_scrape.h"
#include "common/pi_process.h"
#include "common/proc_cpu.h"
#include "common/scratch_db.h"
#include "common/tokens.h"
#include "order_process.h"
#include "scratch.h"  // flash_sale's stock audit

ABSL_FLAG(std::string, admin_dsn, "", "superuser DSN of the scratch cluster");
ABSL_FLAG(std::string, work_dir, "", "scratch folder: keys, logs");
ABSL_FLAG(std::string, pki_dir, "",
          "tools/dev-pki folder with product-inventory's and order's credentials");
ABSL_FLAG(std::string, product_inventory_bin, "", "the product-inventory binary");
ABSL_FLAG(std::string, order_bin, "", "the order binary");
ABSL_FLAG(std::string, scenarios, "hot,spread", "comma-separated: hot, spread");
ABSL_FLAG(std::string, flows, "reserve-only,checkout", "comma-separated: reserve-only, checkout");
ABSL_FLAG(std::string, order_pools, "8,32",
          "order's DB_POOL_SIZE (= the threads its sagas run on), one checkout run each");
ABSL_FLAG(int, buyers, 64, "concurrent buyers (one flow in flight each)");
ABSL_FLAG(int, channels, 8, "client channels (TCP connections) to each service");
ABSL_FLAG(double, seconds, 20, "length of each load");
ABSL_FLAG(int, pi_pool, 32, "product-inventory's DB_POOL_SIZE");
ABSL_FLAG(int, pi_workers, 32, "product-inventory's STOCK_BATCHER_WORKERS");

namespace shopcast::bench::checkout {
namespace {

struct Scenario {
  std::string name;
  int products = 1;
  int64_t units = 0;
};

Scenario ScenarioNamed(const std::string& name) {
  if (name == "hot") return {name, 1, 1'000'000};
  if (name == "spread") return {name, 200, 10'000};
  throw std::invalid_argument("unknown scenario " + name);
}

// CPU time each process spent during the load, in microseconds (order: -1 when not running).
struct CpuUse {
  int64_t client = 0, pi = 0, order = -1, pg = 0;
};

// Where the time goes: server-side means over the load, from the metrics.
struct Hops {
  HistogramDelta pi_reserve, pi_get, pi_lock, pi_commit, order_place;
  std::vector<std::pair<std::string, HistogramDelta>> steps;  // in saga order
};

struct OrderAudit {
  int64_t confirmed = 0, confirmed_total_minor = 0, unfinished = 0, captured_minor = 0;
};

struct Row {
  std::string scenario, flow;
  int order_pool = 0;  // 0: reserve-only
  LoadResult load;
  CpuUse cpu;
  Hops hops;
  flash_sale::AuditResult stock;
  std::optional<OrderAudit> orders;

  std::string label() const {
    return order_pool == 0 ? flow : absl::StrCat(flow, " pool=", order_pool);
  }
  // Completed flows: confirmed orders, or holds.
  int64_t completed() const { return load.flow.count; }
};

OrderAudit AuditOrders(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  const pqxx::row r = tx.exec1(absl::StrCat(R"~(
SELECT count(*) FILTER (WHERE status = )~",
                                            ov1::ORDER_STATUS_CONFIRMED, R"~(),
       coalesce(sum(total_minor) FILTER (WHERE status = )~",
                                            ov1::ORDER_STATUS_CONFIRMED,
                                            R"~(), 0),
       count(*) FILTER (WHERE step <> 'done'),
       (SELECT coalesce(sum(captured_minor), 0) FROM provider_payments)
FROM orders)~"));
  return OrderAudit{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<int64_t>(), r[3].as<int64_t>()};
}

Hops HopsBetween(const MetricsScrape& pi_before, const MetricsScrape& pi_after,
                 const std::optional<MetricsScrape>& order_before,
                 const std::optional<MetricsScrape>& order_after) {
  const std::string rpc = "grpc_server_handling_seconds";
  auto method = [&](const char* name) {
    return Delta(pi_before, pi_after, rpc, {{"grpc_method", name}});
  };
  Hops h;
  h.pi_reserve = method("Reserve");
  h.pi_get = method("GetReservationForCheckout");
  h.pi_lock = method("LockReservationForCheckout");
  h.pi_commit = method("CommitReservation");
  if (!order_before || !order_after) return h;
  h.order_place = Delta(*order_before, *order_after, rpc, {{"grpc_method", "PlaceOrder"}});
  // The saga's steps in the order they run; any other step that ran (a compensation) after.
  std::vector<std::string> names = {"lock", "authorize", "commit", "capture"};
  for (const Labels& l : order_after->SeriesOf("order_saga_step_seconds_count")) {
    auto it = l.find("step");
    if (it != l.end() && std::find(names.begin(), names.end(), it->second) == names.end()) {
      names.push_back(it->second);
    }
  }
  for (const std::string& step : names) {
    HistogramDelta d =
        Delta(*order_before, *order_after, "order_saga_step_seconds", {{"step", step}});
    if (d.count > 0) h.steps.emplace_back(step, d);
  }
  return h;
}

Row RunOne(const Scenario& sc, const std::string& flow, int order_pool, Tokens& tokens) {
  Row row;
  row.scenario = sc.name;
  row.flow = flow;
  row.order_pool = flow == "checkout" ? order_pool : 0;
  const bool checkout = flow == "checkout";
  if (!checkout && flow != "reserve-only") throw std::invalid_argument("unknown flow " + flow);
  const std::string admin = absl::GetFlag(FLAGS_admin_dsn);
  const std::string work = absl::GetFlag(FLAGS_work_dir);
  const std::string tag = absl::StrCat(sc.name, ".", flow, checkout ? "." : "",
                                       checkout ? std::to_string(order_pool) : "");

  ScratchDb pi_db(admin);
  std::optional<ScratchDb> order_db;
  if (checkout) order_db.emplace(admin);
  Checkpoint(admin);

  auto pi_proc = StartProductInventory(PiProcessOptions{
      absl::GetFlag(FLAGS_product_inventory_bin), pi_db.dsn(), absl::GetFlag(FLAGS_pki_dir), work,
      tokens.public_key_file(), absl::StrCat(work, "/", tag, ".product-inventory.log"),
      absl::GetFlag(FLAGS_pi_pool), absl::GetFlag(FLAGS_pi_workers)});
  const nlohmann::json pi_started = pi_proc->WaitForLogEvent("server_started", absl::Seconds(120));
  const int pi_metrics = pi_started["metrics_port"];
  std::unique_ptr<testing::ChildProcess> order_proc;
  int order_port = 0, order_metrics = 0;
  if (checkout) {
    order_proc = StartOrder(
        OrderProcessOptions{absl::GetFlag(FLAGS_order_bin), order_db->dsn(),
                            absl::GetFlag(FLAGS_pki_dir), work, tokens.public_key_file(),
                            absl::StrCat("127.0.0.1:", pi_started["internal_grpc_port"].get<int>()),
                            absl::StrCat(work, "/", tag, ".order.log"), order_pool});
    const nlohmann::json started =
        order_proc->WaitForLogEvent("server_started", absl::Seconds(120));
    order_port = started["grpc_port"];
    order_metrics = started["metrics_port"];
  }

  std::vector<std::unique_ptr<pi::ProductInventoryService::Stub>> pi_stubs;
  for (auto& ch : MakeChannels(absl::StrCat("127.0.0.1:", pi_started["grpc_port"].get<int>()),
                               absl::GetFlag(FLAGS_channels))) {
    pi_stubs.push_back(pi::ProductInventoryService::NewStub(ch));
  }
  std::vector<std::unique_ptr<ov1::OrderService::Stub>> order_stubs;
  if (checkout) {
    for (auto& ch :
         MakeChannels(absl::StrCat("127.0.0.1:", order_port), absl::GetFlag(FLAGS_channels))) {
      order_stubs.push_back(ov1::OrderService::NewStub(ch));
    }
  }
  // Thrown, not exit(): unwinding SIGKILLs the children, which would otherwise outlive us
  // holding every descriptor they inherited (the build lock's among them).
  auto made =
      CreateProducts(*pi_stubs[0], tokens.admin(), tokens.host(), {sc.products, sc.units, 0});
  if (!made.ok()) throw std::runtime_error("setup: " + made.status().ToString());
  const std::vector<std::string> products = *std::move(made);
  // Consecutive flows hit different products, as a spread-out audience does.
  const ProductOf product_of = [&](int64_t i) -> const std::string& {
    return products[static_cast<size_t>((i * 7919) % static_cast<int64_t>(products.size()))];
  };

  ClusterCpu cluster(admin);
  auto cpu = [&] {
    return CpuUse{ProcessCpuMicros(getpid()), ProcessCpuMicros(pi_proc->pid()),
                  order_proc ? ProcessCpuMicros(order_proc->pid()) : -1, cluster.Micros()};
  };
  auto scrape_order = [&]() -> std::optional<MetricsScrape> {
    if (!checkout) return std::nullopt;
    return MetricsScrape::Take(order_metrics);
  };
  const MetricsScrape pi_before = MetricsScrape::Take(pi_metrics);
  const std::optional<MetricsScrape> order_before = scrape_order();
  const CpuUse before = cpu();
  LoadOptions options;
  options.buyers = absl::GetFlag(FLAGS_buyers);
  options.seconds = absl::GetFlag(FLAGS_seconds);
  options.reserve_only = !checkout;
  row.load = RunLoad(pi_stubs, order_stubs, tokens.Buyers(options.buyers), product_of, options);
  const CpuUse after = cpu();
  const MetricsScrape pi_after = MetricsScrape::Take(pi_metrics);
  const std::optional<MetricsScrape> order_after = scrape_order();
  row.cpu = {after.client - before.client, after.pi - before.pi,
             order_proc ? after.order - before.order : -1, after.pg - before.pg};
  row.hops = HopsBetween(pi_before, pi_after, order_before, order_after);

  for (testing::ChildProcess* p : {order_proc.get(), pi_proc.get()}) {
    if (p == nullptr) continue;
    p->Signal(SIGTERM);
    if (p->Wait(60'000) != 0)
      std::fprintf(stderr, "%s: a server did not exit cleanly\n", tag.c_str());
  }
  row.stock = flash_sale::Audit(pi_db.dsn());
  if (checkout) row.orders = AuditOrders(order_db->dsn());
  return row;
}

std::string Ms(double ms) { return absl::StrFormat("%.2f", ms); }

void PrintLoadHeader() {
  std::printf("%-7s %-22s %7s %7s %6s %6s %7s %9s %8s %8s %8s %8s %8s %8s\n", "scenario", "flow",
              "flows", "done", "failed", "errors", "seconds", "done/s", "res_p50", "res_p99",
              "ord_p50", "ord_p99", "flow_p50", "flow_p99");
}

void PrintLoad(const Row& r) {
  const LoadResult& l = r.load;
  std::printf("%-7s %-22s %7lld %7lld %6lld %6lld %7.2f %9.1f %8s %8s %8s %8s %8s %8s\n",
              r.scenario.c_str(), r.label().c_str(), static_cast<long long>(l.flows),
              static_cast<long long>(r.completed()),
              static_cast<long long>(l.reserve_refused + l.not_confirmed),
              static_cast<long long>(l.reserve_errors + l.place_errors), l.seconds,
              l.completed_per_second(), Ms(l.reserve.p50_ms).c_str(), Ms(l.reserve.p99_ms).c_str(),
              r.order_pool > 0 ? Ms(l.place.p50_ms).c_str() : "-",
              r.order_pool > 0 ? Ms(l.place.p99_ms).c_str() : "-", Ms(l.flow.p50_ms).c_str(),
              Ms(l.flow.p99_ms).c_str());
  std::fflush(stdout);
}

// One line of the "where the time goes" table: a label and each run's value (ms; "-" = none).
void PrintHop(const std::string& label, const std::vector<const Row*>& rows,
              const std::function<std::optional<double>(const Row&)>& value) {
  std::printf("%-58s", label.c_str());
  for (const Row* r : rows) {
    const std::optional<double> v = value(*r);
    std::printf(" %22s", v ? Ms(*v).c_str() : "-");
  }
  std::printf("\n");
}

std::optional<double> Mean(const HistogramDelta& d) {
  if (d.count <= 0) return std::nullopt;
  return d.mean_ms();
}

void PrintWhereTheTimeGoes(const std::string& scenario, const std::vector<const Row*>& rows) {
  std::printf("\nwhere the time goes, %s (means over the load, ms; server = from its metrics)\n",
              scenario.c_str());
  std::printf("%-58s", "");
  for (const Row* r : rows) std::printf(" %22s", r->label().c_str());
  std::printf("\n");
  PrintHop("client: whole flow", rows, [](const Row& r) { return r.load.flow.mean_ms; });
  PrintHop("client: Reserve", rows, [](const Row& r) { return r.load.reserve.mean_ms; });
  PrintHop("  product-inventory: Reserve (server)", rows,
           [](const Row& r) { return Mean(r.hops.pi_reserve); });
  auto co = [](const Row& r) { return r.order_pool > 0; };
  PrintHop("client: PlaceOrder", rows, [&](const Row& r) -> std::optional<double> {
    if (!co(r)) return std::nullopt;
    return r.load.place.mean_ms;
  });
  PrintHop("  order: PlaceOrder (server)", rows,
           [](const Row& r) { return Mean(r.hops.order_place); });
  PrintHop("    product-inventory: GetReservationForCheckout (server)", rows,
           [](const Row& r) { return Mean(r.hops.pi_get); });
  // Every step name that ran in any of the runs.
  std::vector<std::string> steps;
  for (const Row* r : rows) {
    for (const auto& [name, d] : r->hops.steps) {
      if (std::find(steps.begin(), steps.end(), name) == steps.end()) steps.push_back(name);
    }
  }
  auto step_mean = [](const Row& r, const std::string& name) -> std::optional<double> {
    for (const auto& [n, d] : r.hops.steps) {
      if (n == name) return Mean(d);
    }
    return std::nullopt;
  };
  for (const std::string& step : steps) {
    PrintHop("    saga step " + step, rows, [&](const Row& r) { return step_mean(r, step); });
    if (step == "lock") {
      PrintHop("      product-inventory: LockReservationForCheckout (server)", rows,
               [](const Row& r) { return Mean(r.hops.pi_lock); });
    } else if (step == "commit") {
      PrintHop("      product-inventory: CommitReservation (server)", rows,
               [](const Row& r) { return Mean(r.hops.pi_commit); });
    }
  }
  // Per PlaceOrder: the saga's steps (each order runs every step once on this path) and the
  // reservation look-up; what is left is the executor queue, token check, validation, pricing,
  // the order's insert and the final read.
  PrintHop("    rest: queue, auth, validate, price, insert, read", rows,
           [](const Row& r) -> std::optional<double> {
             if (r.hops.order_place.count <= 0) return std::nullopt;
             const double per_order = r.hops.order_place.count;
             double in_steps = r.hops.order_place.sum_seconds;
             for (const auto& [n, d] : r.hops.steps) in_steps -= d.sum_seconds;
             in_steps -= r.hops.pi_get.sum_seconds;
             return in_steps / per_order * 1000;
           });
}

void PrintCpu(const std::vector<Row>& rows) {
  std::printf(
      "\n%-7s %-22s %10s %10s %10s %10s %10s   (CPU µs per completed flow during the "
      "load)\n",
      "scenario", "flow", "client", "pi", "order", "postgres", "total");
  for (const Row& r : rows) {
    const double n = r.completed() > 0 ? static_cast<double>(r.completed()) : 1;
    const double order = r.cpu.order < 0 ? 0 : static_cast<double>(r.cpu.order) / n;
    std::printf("%-7s %-22s %10.1f %10.1f %10s %10.1f %10.1f\n", r.scenario.c_str(),
                r.label().c_str(), static_cast<double>(r.cpu.client) / n,
                static_cast<double>(r.cpu.pi) / n,
                r.cpu.order < 0 ? "-" : absl::StrFormat("%.1f", order).c_str(),
                static_cast<double>(r.cpu.pg) / n,
                static_cast<double>(r.cpu.client + r.cpu.pi + r.cpu.pg) / n + order);
  }
}

void PrintAudit(const std::vector<Row>& rows) {
  std::printf("\n%-7s %-22s %9s %9s %8s %9s %10s %10s %10s %8s\n", "scenario", "flow", "sold",
              "held", "oversold", "invariant", "confirmed", "unfinished", "charged=", "agree");
  for (const Row& r : rows) {
    const flash_sale::AuditResult& s = r.stock;
    std::string confirmed = "-", unfinished = "-", charged = "-", agree = "-";
    if (r.orders) {
      confirmed = std::to_string(r.orders->confirmed);
      unfinished = std::to_string(r.orders->unfinished);
      const bool ledger = r.orders->captured_minor == r.orders->confirmed_total_minor;
      charged = ledger ? "totals" : "DIFFERS";
      // Every confirmed order sold its one unit, every sold unit has its confirmed order, and
      // every order the client saw confirmed is confirmed in the table.
      agree = ledger && s.sold_units == r.orders->confirmed &&
                      r.orders->confirmed == r.completed() && r.orders->unfinished == 0
                  ? "yes"
                  : "NO";
    }
    std::printf("%-7s %-22s %9lld %9lld %8lld %9s %10s %10s %10s %8s\n", r.scenario.c_str(),
                r.label().c_str(), static_cast<long long>(s.sold_units),
                static_cast<long long>(s.held_units), static_cast<long long>(s.oversold),
                s.invariant ? "holds" : "BROKEN", confirmed.c_str(), unfinished.c_str(),
                charged.c_str(), agree.c_str());
  }
}

// Checkout against the Reserve-only baseline of the same scenario.
void PrintRatios(const std::vector<Row>& rows) {
  std::printf("\n%-7s %-22s %14s %14s %14s %16s\n", "scenario", "flow", "done/s ÷ base",
              "flow p50 × base", "flow p99 × base", "CPU/flow × base");
  std::map<std::string, const Row*> base;
  for (const Row& r : rows) {
    if (r.order_pool == 0) base[r.scenario] = &r;
  }
  auto total_cpu = [](const Row& r) {
    const double n = r.completed() > 0 ? static_cast<double>(r.completed()) : 1;
    return static_cast<double>(r.cpu.client + r.cpu.pi + r.cpu.pg +
                               (r.cpu.order < 0 ? 0 : r.cpu.order)) /
           n;
  };
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  for (const Row& r : rows) {
    auto it = base.find(r.scenario);
    if (r.order_pool == 0 || it == base.end()) continue;
    const Row& b = *it->second;
    std::printf("%-7s %-22s %13.3fx %14.1fx %14.1fx %15.1fx\n", r.scenario.c_str(),
                r.label().c_str(),
                ratio(r.load.completed_per_second(), b.load.completed_per_second()),
                ratio(r.load.flow.p50_ms, b.load.flow.p50_ms),
                ratio(r.load.flow.p99_ms, b.load.flow.p99_ms), ratio(total_cpu(r), total_cpu(b)));
  }
}

}  // namespace
}  // namespace shopcast::bench::checkout

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  namespace co = shopcast::bench::checkout;
  namespace bench = shopcast::bench;
  if (absl::GetFlag(FLAGS_admin_dsn).empty() || absl::GetFlag(FLAGS_work_dir).empty()) {
    std::fprintf(stderr, "--admin_dsn and --work_dir are required (run it through run.sh)\n");
    return 2;
  }
  std::vector<int> pools;
  for (absl::string_view p :
       absl::StrSplit(absl::GetFlag(FLAGS_order_pools), ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(p, &n) || n < 2) {
      std::fprintf(stderr, "--order_pools: sizes of at least 2, comma-separated\n");
      return 2;
    }
    pools.push_back(n);
  }
  std::printf("%s\n", bench::Settings(absl::GetFlag(FLAGS_admin_dsn)).c_str());
  std::printf(
      "buyers=%d channels=%d seconds=%.0f product-inventory pool=%d workers=%d; "
      "payment pm_test_approve (simulated provider)\n\n",
      absl::GetFlag(FLAGS_buyers), absl::GetFlag(FLAGS_channels), absl::GetFlag(FLAGS_seconds),
      absl::GetFlag(FLAGS_pi_pool), absl::GetFlag(FLAGS_pi_workers));
  bench::Tokens tokens(absl::GetFlag(FLAGS_work_dir));
  std::vector<co::Row> rows;
  co::PrintLoadHeader();
  try {
    const std::vector<std::string> scenarios =
        absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',', absl::SkipEmpty());
    const std::vector<std::string> flows =
        absl::StrSplit(absl::GetFlag(FLAGS_flows), ',', absl::SkipEmpty());
    for (const std::string& name : scenarios) {
      const co::Scenario sc = co::ScenarioNamed(name);
      for (const std::string& flow : flows) {
        if (flow == "checkout") {
          for (int pool : pools) {
            rows.push_back(co::RunOne(sc, flow, pool, tokens));
            co::PrintLoad(rows.back());
          }
        } else {
          rows.push_back(co::RunOne(sc, flow, 0, tokens));
          co::PrintLoad(rows.back());
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkout_bench: %s\n", e.what());
    return 1;
  }
  std::printf(
      "(latencies in ms, the client's; done = confirmed orders, or holds for "
      "reserve-only; failed = sold out or not confirmed)\n");
  std::map<std::string, std::vector<const co::Row*>> by_scenario;
  std::vector<std::string> order;
  for (const co::Row& r : rows) {
    if (by_scenario[r.scenario].empty()) order.push_back(r.scenario);
    by_scenario[r.scenario].push_back(&r);
  }
  for (const std::string& s : order) co::PrintWhereTheTimeGoes(s, by_scenario[s]);
  co::PrintCpu(rows);
  co::PrintRatios(rows);
  co::PrintAudit(rows);
  return 0;
}
