// The product-inventory binary as Kubernetes runs it: configured from the environment, it
// migrates, serves health on its public port, and exits 0 on SIGTERM after draining; killed
// (SIGKILL) between hold and commit, it loses no stock.

#include "shopcast/testing/process.h"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <pqxx/pqxx>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "process_world.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace shopcast::product_inventory {
namespace {

TEST_CASE("process: serve from the environment, healthy, SIGTERM exits 0") {
  shopcast::testing::TempDir dir;
  auth::testing::DevPki pki(dir.File("pki"), {"product-inventory"});
  auto tls = pki.FilesOf("product-inventory");
  auto key = auth::GenerateSigningKey("k");
  REQUIRE(key.ok());
  std::ofstream(dir.File("signing.pub.pem")) << key->public_pem;
  std::ofstream(dir.File("page-token.key")) << "a page-token key of more than thirty-two bytes\n";
  auto db = shopcast::testing::TestDatabase::Create();

  const std::string p = "SHOPCAST_PRODUCT_INVENTORY_";
  shopcast::testing::ChildProcess proc(
      {SHOPCAST_PRODUCT_INVENTORY_BIN, "serve"},
      {p + "GRPC_ADDR=127.0.0.1:0", p + "METRICS_ADDR=127.0.0.1:0",
       p + "INTERNAL_GRPC_ADDR=127.0.0.1:0", p + "SERVICE_CA_FILE=" + tls.ca_file,
       p + "SERVICE_CERT_FILE=" + tls.cert_file, p + "SERVICE_KEY_FILE=" + tls.key_file,
       p + "DB_DSN=" + db.dsn(), p + "DB_POOL_SIZE=4",
       p + "VERIFY_KEY_FILES=" + dir.File("signing.pub.pem"),
       p + "PAGE_TOKEN_KEY_FILE=" + dir.File("page-token.key"), p + "DRAIN_TIMEOUT=5s"},
      dir.File("product-inventory.log"));
  nlohmann::json started = proc.WaitForLogEvent("server_started", absl::Seconds(60));
  const int port = started["grpc_port"].get<int>();

  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  CHECK(shopcast::testing::WaitUntil(
      [&] {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        grpc::health::v1::HealthCheckRequest req;
        grpc::health::v1::HealthCheckResponse res;
        return health->Check(&ctx, req, &res).ok() &&
               res.status() == grpc::health::v1::HealthCheckResponse::SERVING;
      },
      absl::Seconds(30)));

  proc.Signal(SIGTERM);
  CHECK(proc.Wait(30'000) == 0);
}

using testing::Call;
using Stub = testing::pb::ProductInventoryService::Stub;
using Internal = testing::pb::ProductInventoryInternalService::Stub;

testing::pb::Stock StockOf(Stub& stub, const std::string& product) {
  testing::pb::GetStockRequest req;
  req.add_product_ids(product);
  testing::pb::GetStockResponse res;
  if (!Call(stub, &Stub::GetStock, std::string(), req, &res).ok() || res.stocks_size() != 1) {
    throw std::runtime_error("GetStock");
  }
  return res.stocks(0);
}

// One value from the test database (the statement is committed).
int64_t Scalar(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  const int64_t v = tx.exec1(sql)[0].as<int64_t>();
  tx.commit();
  return v;
}

// The stock row's counters equal its holds (held = active, sold = committed) and never exceed
// the total.
bool InvariantHolds(const std::string& dsn, const std::string& product) {
  return Scalar(dsn, "SELECT count(*) FROM stock s WHERE s.product_id = '" + product +
                         "' AND s.held = (SELECT coalesce(sum(quantity), 0) FROM holds h WHERE "
                         "h.product_id = s.product_id AND h.state = 'active') AND s.sold = "
                         "(SELECT coalesce(sum(quantity), 0) FROM holds h WHERE h.product_id = "
                         "s.product_id AND h.state = 'committed') AND s.held + s.sold <= "
                         "s.total") == 1;
}

TEST_CASE("process: SIGKILL between hold and commit loses no stock") {
  testing::ProcessWorld w;
  const std::string admin = w.Token("usr_admin", auth::Role::kAdmin);
  const std::string host = w.Token("usr_host", auth::Role::kHost);
  const std::string alice = w.Token("usr_alice", auth::Role::kViewer);
  const std::string bob = w.Token("usr_bob", auth::Role::kViewer);
  // The sweeper tidies expired holds quickly, so the test sees the row marked expired too.
  const std::vector<std::string> env = {"SHOPCAST_PRODUCT_INVENTORY_STOCK_SWEEP_INTERVAL=200ms"};

  auto first = testing::Start(w, "first.log", env);
  const std::string product = testing::CreateListedProduct(*first.stub, admin, host, 100);

  auto reserve = [&](Stub& stub, const std::string& token, int quantity, const std::string& key,
                     testing::pb::ReserveResponse* res) {
    testing::pb::ReserveRequest req;
    req.set_product_id(product);
    req.set_quantity(quantity);
    req.set_idempotency_key(key);
    return Call(stub, &Stub::Reserve, token, req, res);
  };
  testing::pb::ReserveResponse to_commit, to_expire;
  REQUIRE(reserve(*first.stub, alice, 3, "a1", &to_commit).ok());
  REQUIRE(reserve(*first.stub, bob, 2, "b1", &to_expire).ok());

  // More buyers in flight when the process dies: whatever was answered OK must survive.
  constexpr int kInFlight = 40;
  struct Flight {
    grpc::ClientContext ctx;
    testing::pb::ReserveRequest req;
    testing::pb::ReserveResponse res;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Flight>> flights;
  std::atomic<int> landed{0};
  std::vector<std::string> buyer_tokens;
  for (int i = 0; i < kInFlight; ++i) {
    buyer_tokens.push_back(w.Token("usr_f" + std::to_string(i), auth::Role::kViewer));
  }
  for (int i = 0; i < kInFlight; ++i) {
    auto f = std::make_unique<Flight>();
    f->req.set_product_id(product);
    f->req.set_quantity(1);
    f->req.set_idempotency_key("f");
    f->ctx.AddMetadata("authorization", "Bearer " + buyer_tokens[static_cast<size_t>(i)]);
    f->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    Flight* raw = f.get();
    first.stub->async()->Reserve(&raw->ctx, &raw->req, &raw->res, [raw, &landed](grpc::Status s) {
      raw->status = std::move(s);
      ++landed;
    });
    flights.push_back(std::move(f));
  }

  first.proc->Signal(SIGKILL);
  CHECK(first.proc->Wait(30'000) == 128 + SIGKILL);
  REQUIRE(
      shopcast::testing::WaitUntil([&] { return landed.load() == kInFlight; }, absl::Seconds(30)));
  int64_t answered_units = 5;
  std::vector<std::string> answered_ids = {to_commit.reservation().id(),
                                           to_expire.reservation().id()};
  for (const auto& f : flights) {
    if (f->status.ok()) {
      ++answered_units;
      answered_ids.push_back(f->res.reservation().id());
    }
  }

  // Restarted on the same database.
  auto second = testing::Start(w, "second.log", env);
  // Every hold answered OK before the kill is still there, active and counted.
  for (const auto& id : answered_ids) {
    INFO(id);
    CHECK(Scalar(w.dsn(),
                 "SELECT count(*) FROM holds WHERE id = '" + id + "' AND state = 'active'") == 1);
  }
  testing::pb::Stock stock = StockOf(*second.stub, product);
  CHECK(stock.total() == 100);
  CHECK(stock.held() >= answered_units);  // Calls cut off by the kill may have committed too.
  CHECK(stock.sold() == 0);
  CHECK(stock.available() + stock.held() + stock.sold() == stock.total());
  CHECK(InvariantHolds(w.dsn(), product));
  const int64_t held_after_restart = stock.held();

  // The order service commits alice's hold after the restart; its retry answers the same.
  testing::pb::CommitReservationRequest commit;
  commit.set_reservation_id(to_commit.reservation().id());
  commit.set_order_id("ord_process1");
  testing::pb::CommitReservationResponse committed, again;
  REQUIRE(
      Call(*second.internal, &Internal::CommitReservation, std::string(), commit, &committed).ok());
  CHECK(committed.reservation().status() == testing::pb::RESERVATION_STATUS_COMMITTED);
  REQUIRE(Call(*second.internal, &Internal::CommitReservation, std::string(), commit, &again).ok());
  CHECK(again.reservation().status() == testing::pb::RESERVATION_STATUS_COMMITTED);
  stock = StockOf(*second.stub, product);
  CHECK(stock.sold() == 3);  // Once, not twice.
  CHECK(stock.held() == held_after_restart - 3);
  CHECK(stock.available() + stock.held() + stock.sold() == stock.total());

  // Bob's hold is left alone until it expires. Holds last at least a minute and a clock cannot
  // be injected into another process, so the test moves its expiry into the past in the
  // database (what a minute of waiting would do); the service must then stop counting it and
  // its sweeper mark it expired.
  REQUIRE(Scalar(w.dsn(),
                 "WITH moved AS (UPDATE holds SET expires_at = now() - interval "
                 "'1 second' WHERE id = '" +
                     to_expire.reservation().id() + "' RETURNING 1) SELECT count(*) FROM moved") ==
          1);
  CHECK(shopcast::testing::WaitUntil(
      [&] {
        return Scalar(w.dsn(), "SELECT count(*) FROM holds WHERE id = '" +
                                   to_expire.reservation().id() + "' AND state = 'expired'") == 1;
      },
      absl::Seconds(30)));
  stock = StockOf(*second.stub, product);
  CHECK(stock.held() == held_after_restart - 3 - 2);
  CHECK(stock.sold() == 3);
  CHECK(stock.available() == stock.total() - stock.held() - stock.sold());
  CHECK(InvariantHolds(w.dsn(), product));
  // An expired hold cannot be committed any more.
  testing::pb::CommitReservationRequest late;
  late.set_reservation_id(to_expire.reservation().id());
  late.set_order_id("ord_process2");
  testing::pb::CommitReservationResponse ignored;
  CHECK(Call(*second.internal, &Internal::CommitReservation, std::string(), late, &ignored)
            .error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  // No units lost: what is not sold or held is available again.
  CHECK(stock.available() + stock.held() + stock.sold() == 100);
  CHECK(Scalar(w.dsn(), "SELECT total - held - sold FROM stock WHERE product_id = '" + product +
                            "'") == stock.available());

  second.proc->Signal(SIGTERM);
  CHECK(second.proc->Wait(30'000) == 0);
}

}  // namespace
}  // namespace shopcast::product_inventory
