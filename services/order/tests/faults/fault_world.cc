#include "faults/fault_world.h"

#include <csignal>
#include <random>
#include <stdexcept>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace shopcast::order::faults {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(60);

std::string Addr(int port) { return absl::StrCat("127.0.0.1:", port); }

std::string DurationFlag(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
}

// Sets NAME=value in `env`, replacing the entry of NAME it has (a child reads the first).
void SetEnv(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  for (std::string& e : env) {
    if (absl::StartsWith(e, name + "=")) {
      e = name + "=" + value;
      return;
    }
  }
  env.push_back(name + "=" + value);
}

}  // namespace

FaultWorld::FaultWorld(int replicas)
    : order_db_(shopcast::testing::TestDatabase::Create()), orders_(replicas) {
  StartInventory();
}

FaultWorld::~FaultWorld() = default;

void FaultWorld::StartInventory() {
  // product-inventory must come back where the order replicas call it. Its ports are picked
  // below the kernel's ephemeral range (32768..), so no connection's automatic port can take
  // one while it is down; another process that binds one explicitly when it is first picked
  // makes the start fail, and other ports are tried.
  const bool first = inventory_port_ == 0;
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> below_ephemeral(20000, 32000);
  for (int attempt = 1;; ++attempt) {
    if (first) {
      inventory_port_ = below_ephemeral(rng);
      inventory_internal_port_ = inventory_port_ + 1;
    }
    std::vector<std::string> env = w_.Env();
    const std::string p = "SHOPCAST_PRODUCT_INVENTORY_";
    SetEnv(env, p + "GRPC_ADDR", Addr(inventory_port_));
    SetEnv(env, p + "INTERNAL_GRPC_ADDR", Addr(inventory_internal_port_));
    auto proc = std::make_unique<shopcast::testing::ChildProcess>(
        std::vector<std::string>{SHOPCAST_PRODUCT_INVENTORY_BIN, "serve"}, env,
        w_.File(absl::StrCat("pi-", ++inventory_starts_, ".log")));
    try {
      proc->WaitForLogEvent("server_started", kStartTimeout);
    } catch (const std::runtime_error&) {
      // Exited at start (a port taken) or never served: other ports, a few times.
      if (!first || attempt >= 5 || proc->running()) throw;
      continue;
    }
    auto stub =
        std::shared_ptr<pi::ProductInventoryService::Stub>(pi::ProductInventoryService::NewStub(
            grpc::CreateChannel(Addr(inventory_port_), grpc::InsecureChannelCredentials())));
    std::lock_guard lock(mu_);
    inventory_ = std::move(proc);
    inventory_stub_ = std::move(stub);
    return;
  }
}

void FaultWorld::RestartInventory() {
  std::unique_ptr<shopcast::testing::ChildProcess> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(inventory_);
  }
  old->Signal(SIGKILL);
  if (old->Wait(30'000) < 0) throw std::runtime_error("product-inventory did not die");
  StartInventory();
}

Listed FaultWorld::CreateProduct(const std::string& key, int64_t units) {
  auto stub = Inventory();
  const std::string admin = w_.Token("usr_admin", auth::Role::kAdmin);
  const std::string host = w_.Token("usr_host", auth::Role::kHost);
  // The first product comes with its type and shipping profile; later ones reuse them.
  if (first_product_.empty()) {
    first_product_ = pit::CreateListedProduct(*stub, admin, host, units);
    return Listed{first_product_, units};
  }
  using Stub = pi::ProductInventoryService::Stub;
  pi::GetProductRequest get;
  get.set_product_id(first_product_);
  pi::GetProductResponse first;
  if (!pit::Call(*stub, &Stub::GetProduct, host, get, &first).ok()) {
    throw std::runtime_error("GetProduct");
  }
  pi::CreateProductRequest req;
  pi::Product* product = req.mutable_product();
  product->set_product_type_id(first.product().product_type_id());
  product->set_title("Enamel mug, " + key);
  *product->mutable_parameters() = first.product().parameters();
  product->set_sale_mode(pi::SALE_MODE_FIXED_PRICE);
  *product->mutable_price() = first.product().price();
  product->set_shipping_profile_id(first.product().shipping_profile_id());
  req.set_initial_stock(units);
  req.set_idempotency_key(key);
  pi::CreateProductResponse created;
  if (!pit::Call(*stub, &Stub::CreateProduct, host, req, &created).ok()) {
    throw std::runtime_error("CreateProduct");
  }
  return Listed{created.product().id(), units};
}

std::vector<std::string> FaultWorld::OrderEnv(const OrderSettings& s) const {
  const std::string p = "SHOPCAST_ORDER_";
  return {p + "GRPC_ADDR=127.0.0.1:0", p + "METRICS_ADDR=127.0.0.1:0",
          p + "INTERNAL_GRPC_ADDR=127.0.0.1:0", p + "SERVICE_CA_FILE=" + w_.File("pki/ca.pem"),
          p + "SERVICE_CERT_FILE=" + w_.File("pki/order.pem"),
          p + "SERVICE_KEY_FILE=" + w_.File("pki/order.key"), p + "DB_DSN=" + order_db_.dsn(),
          p + "DB_POOL_SIZE=" + std::to_string(s.db_pool_size),
          p + "VERIFY_KEY_FILES=" + w_.File("signing.pub.pem"),
          p + "PAGE_TOKEN_KEY_FILE=" + w_.File("page-token.key"),
          p + "PRODUCT_INVENTORY_ADDR=" + Addr(inventory_internal_port_),
          // Required at start; no access pass is bought here, so nothing ever calls it.
          p + "VIDEO_INGEST_ADDR=127.0.0.1:1",
          p + "INVENTORY_TIMEOUT=" + DurationFlag(s.inventory_timeout),
          p + "SAGA_LEASE=" + DurationFlag(s.saga_lease),
          p + "RECOVERY_INTERVAL=" + DurationFlag(s.recovery_interval),
          p + "PROVIDER_TIMEOUT=" + DurationFlag(s.provider_timeout),
          p + "PROVIDER_ATTEMPTS=" + std::to_string(s.provider_attempts),
          p + "RESERVATION_LOCK=60s", p + "DRAIN_TIMEOUT=5s"};
}

void FaultWorld::StartOrder(int r, const OrderSettings& settings) {
  const int start = orders_[r].starts + 1;
  auto proc = std::make_unique<shopcast::testing::ChildProcess>(
      std::vector<std::string>{SHOPCAST_ORDER_BIN, "serve"}, OrderEnv(settings),
      w_.File(absl::StrCat("order-", r, "-", start, ".log")));
  nlohmann::json started = proc->WaitForLogEvent("server_started", kStartTimeout);
  auto stub = std::shared_ptr<pb::OrderService::Stub>(pb::OrderService::NewStub(grpc::CreateChannel(
      Addr(started["grpc_port"].get<int>()), grpc::InsecureChannelCredentials())));
  std::lock_guard lock(mu_);
  orders_[r].proc = std::move(proc);
  orders_[r].stub = std::move(stub);
  orders_[r].starts = start;
}

void FaultWorld::KillOrder(int r) {
  std::unique_ptr<shopcast::testing::ChildProcess> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(orders_[r].proc);
  }
  old->Signal(SIGKILL);
  if (old->Wait(30'000) < 0) throw std::runtime_error("order did not die");
  const std::string log = old->log();
  std::lock_guard lock(mu_);
  dead_order_logs_ += log;
}

int FaultWorld::StopOrders() {
  int code = 0;
  for (Replica& replica : orders_) {
    std::unique_ptr<shopcast::testing::ChildProcess> old;
    {
      std::lock_guard lock(mu_);
      old = std::move(replica.proc);
    }
    if (!old) continue;
    old->Signal(SIGTERM);
    const int exit_code = old->Wait(30'000);
    if (code == 0) code = exit_code;
    const std::string log = old->log();
    std::lock_guard lock(mu_);
    dead_order_logs_ += log;
  }
  return code;
}

std::shared_ptr<pb::OrderService::Stub> FaultWorld::Order(int r) {
  std::lock_guard lock(mu_);
  return orders_[r].stub;
}

std::shared_ptr<pi::ProductInventoryService::Stub> FaultWorld::Inventory() {
  std::lock_guard lock(mu_);
  return inventory_stub_;
}

std::string FaultWorld::OrderLogs() {
  std::lock_guard lock(mu_);
  std::string logs = dead_order_logs_;
  for (const Replica& replica : orders_) {
    if (replica.proc) logs += replica.proc->log();
  }
  return logs;
}

}  // namespace shopcast::order::faults
