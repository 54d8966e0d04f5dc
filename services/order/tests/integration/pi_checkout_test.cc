// Checkout against a real product-inventory process (its own database, mutual TLS on its
// internal listener): stock is really held, sold and given back; payments go through the
// built-in SimulatedProvider and its ledger. The order App runs in-process on its own database.

#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "product_inventory/tests/app/process_world.h"  // its process-test world
#include "shopcast/testing/wait.h"
#include "support/app_fixture.h"

namespace shopcast::order::testing {
namespace {

namespace pit = ::shopcast::product_inventory::testing;
namespace pi = ::shopcast::product_inventory::v1;
using PiStub = pi::ProductInventoryService::Stub;

// product-inventory running, a product of usr_host with 10 units on sale, and order Apps
// wired to it.
class World {
 public:
  World() : pi_(pit::Start(w_, "pi.log")) {
    nlohmann::json started = pi_.proc->WaitForLogEvent("server_started", absl::Seconds(60));
    pi_internal_ = "127.0.0.1:" + std::to_string(started["internal_grpc_port"].get<int>());
    product_ = pit::CreateListedProduct(*pi_.stub, w_.Token("usr_admin", auth::Role::kAdmin),
                                        w_.Token("usr_host", auth::Role::kHost), 10);
  }

  Replica& AddOrderApp(AppOverrides overrides = {}, const ConfigEdit& more = nullptr) {
    return f_.AddReplica(
        [&](Config& c) {
          c.service_tls = {w_.File("pki/ca.pem"), w_.File("pki/order.pem"),
                           w_.File("pki/order.key")};
          c.verify_key_files = {w_.File("signing.pub.pem")};
          c.product_inventory_addr = pi_internal_;
          if (more) more(c);
        },
        std::move(overrides), Peers{true, true});
  }

  std::string Token(const std::string& user) const { return w_.Token(user, auth::Role::kViewer); }

  // A hold of `quantity` units for `buyer`.
  std::string Reserve(const std::string& buyer, int quantity, const std::string& key) {
    pi::ReserveRequest req;
    req.set_product_id(product_);
    req.set_quantity(quantity);
    req.set_idempotency_key(key);
    pi::ReserveResponse res;
    grpc::Status s = pit::Call(*pi_.stub, &PiStub::Reserve, Token(buyer), req, &res);
    if (!s.ok()) throw std::runtime_error("Reserve: " + s.error_message());
    return res.reservation().id();
  }

  pi::Stock Stock() {
    pi::GetStockRequest req;
    req.add_product_ids(product_);
    pi::GetStockResponse res;
    if (!pit::Call(*pi_.stub, &PiStub::GetStock, std::string(), req, &res).ok()) {
      throw std::runtime_error("GetStock");
    }
    return res.stocks(0);
  }

  // Lets a hold run out as time would (product-inventory keeps holds for a minute at least):
  // its expiry moved into the past in product-inventory's own database.
  void ExpireHold(const std::string& reservation_id) {
    pqxx::connection c(w_.dsn());
    pqxx::work tx(c);
    tx.exec_params("UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = $1",
                   reservation_id);
    tx.commit();
  }

  AppFixture& f() { return f_; }
  // A credential signed by the CA the order App trusts.
  auth::ServiceTls ServiceCredential() const { return w_.Peer("product-inventory"); }
  // What the simulated provider's ledger says was captured, and how many authorizations it
  // holds.
  int64_t Captured() {
    return f_.Count("SELECT COALESCE(sum(captured_minor), 0)::bigint FROM provider_payments");
  }
  int64_t Authorizations() {
    return f_.Count("SELECT count(*) FROM provider_ledger_entries WHERE kind = 'authorize'");
  }

 private:
  pit::ProcessWorld w_;
  pit::RunningService pi_;
  std::string pi_internal_;
  std::string product_;
  AppFixture f_;
};

pb::PlaceOrderResponse Place(pb::OrderService::Stub& stub, const std::string& token,
                             const pb::PlaceOrderRequest& request, grpc::Status* status) {
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  pb::PlaceOrderResponse response;
  *status = stub.PlaceOrder(&ctx, request, &response);
  return response;
}

TEST_CASE("real product-inventory: a paid order sells the held units", "[integration]") {
  World world;
  auto stub = world.AddOrderApp().Stub();
  const std::string res = world.Reserve("usr_buyer", 2, "r1");
  grpc::Status s;
  pb::Order o = Place(*stub, world.Token("usr_buyer"), OrderRequest(res, "k1"), &s).order();
  REQUIRE(s.ok());
  CHECK(o.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(o.subtotal().amount_minor() == 3000);  // 2 x 1500
  CHECK(o.shipping().amount_minor() == 500);   // the "*" rate's first unit
  CHECK(o.total().amount_minor() == 3500);
  CHECK(o.seller_id() == "usr_host");
  CHECK(o.lines(0).title() == "Enamel mug");
  pi::Stock stock = world.Stock();
  CHECK(stock.sold() == 2);
  CHECK(stock.held() == 0);
  CHECK(stock.available() == 8);
  CHECK(world.Captured() == 3500);
  // One sale, once for each of its three destinations.
  CHECK(world.f().Count("SELECT count(*) FROM outbox WHERE type = 'order.sale_recorded'") == 3);
}

TEST_CASE("real product-inventory: an expired hold is refused with its reason and charges nothing",
          "[integration]") {
  World world;
  auto stub = world.AddOrderApp().Stub();
  const std::string res = world.Reserve("usr_buyer", 2, "r1");
  world.ExpireHold(res);
  grpc::Status s;
  Place(*stub, world.Token("usr_buyer"), OrderRequest(res, "k1"), &s);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(s.error_details(), Catch::Contains("RESERVATION_EXPIRED"));
  CHECK(world.f().Count("SELECT count(*) FROM orders") == 0);
  CHECK(world.Authorizations() == 0);
  CHECK(world.Captured() == 0);
  // The units are on sale again; the same key later answers the same refusal.
  pi::Stock stock = world.Stock();
  CHECK(stock.held() == 0);
  CHECK(stock.available() == 10);
  Place(*stub, world.Token("usr_buyer"), OrderRequest(res, "k1"), &s);
  CHECK_THAT(s.error_details(), Catch::Contains("RESERVATION_EXPIRED"));
}

TEST_CASE("real product-inventory: a declined payment puts the units back on sale",
          "[integration]") {
  World world;
  auto stub = world.AddOrderApp().Stub();
  const std::string res = world.Reserve("usr_buyer", 3, "r1");
  CHECK(world.Stock().held() == 3);
  grpc::Status s;
  pb::Order o =
      Place(*stub, world.Token("usr_buyer"), OrderRequest(res, "k1", "pm_test_decline"), &s)
          .order();
  REQUIRE(s.ok());
  CHECK(o.status() == pb::ORDER_STATUS_FAILED);
  CHECK(o.failure_reason() == pb::ORDER_FAILURE_REASON_PAYMENT_DECLINED);
  pi::Stock stock = world.Stock();
  CHECK(stock.held() == 0);
  CHECK(stock.sold() == 0);
  CHECK(stock.available() == 10);
  // A second order on the released hold is refused: it is used up.
  pb::PlaceOrderResponse again =
      Place(*stub, world.Token("usr_buyer"), OrderRequest(res, "k2"), &s);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_CASE("real product-inventory: retries and racing calls with one key sell once",
          "[integration]") {
  World world;
  auto stub = world.AddOrderApp().Stub();
  const std::string token = world.Token("usr_buyer");
  const std::string res = world.Reserve("usr_buyer", 1, "r1");
  constexpr int kCalls = 6;
  std::vector<pb::Order> orders(kCalls);
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      orders[i] = Place(*stub, token, OrderRequest(res, "same"), &statuses[i]).order();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kCalls; ++i) {
    REQUIRE(statuses[i].ok());
    CHECK(orders[i].id() == orders[0].id());
    CHECK(orders[i].status() == pb::ORDER_STATUS_CONFIRMED);
  }
  grpc::Status s;
  CHECK(Place(*stub, token, OrderRequest(res, "same"), &s).order().id() == orders[0].id());
  CHECK(world.Stock().sold() == 1);
  CHECK(world.Authorizations() == 1);
}

TEST_CASE("real product-inventory: a checkout cut off after commit is finished once",
          "[integration]") {
  World world;
  const std::string token = world.Token("usr_buyer");
  const std::string res = world.Reserve("usr_buyer", 2, "r1");
  auto short_lease = [](Config& c) { c.saga_lease = absl::Seconds(1); };
  AppOverrides crashing;
  crashing.no_recovery = true;
  crashing.crash_after = [](const std::string&, const std::string& next) {
    return next == "capture";
  };
  auto& first = world.AddOrderApp(crashing, short_lease);
  grpc::Status s;
  pb::Order o = Place(*first.Stub(), token, OrderRequest(res, "k"), &s).order();
  REQUIRE(s.ok());
  CHECK(o.status() == pb::ORDER_STATUS_PENDING_PAYMENT);
  CHECK(world.Stock().sold() == 2);
  world.f().DropReplica(first);

  auto stub = world.AddOrderApp({}, short_lease).Stub();
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        grpc::ClientContext ctx;
        Prepare(ctx, token);
        pb::GetOrderRequest req;
        req.set_order_id(o.id());
        pb::GetOrderResponse res_;
        return stub->GetOrder(&ctx, req, &res_).ok() &&
               res_.order().status() == pb::ORDER_STATUS_CONFIRMED;
      },
      absl::Seconds(30)));
  CHECK(world.Stock().sold() == 2);
  CHECK(world.Captured() == 3500);
}

TEST_CASE("real peers: every test token, ledger and stock agree", "[integration]") {
  World world;
  auto& app = world.AddOrderApp({}, [](Config& c) { c.provider_attempts = 2; });
  auto stub = app.Stub();
  const std::string token = world.Token("usr_buyer");
  struct Case {
    std::string method;
    pb::OrderStatus status;
    pb::OrderFailureReason reason;
  };
  const std::vector<Case> cases = {
      {"pm_test_approve", pb::ORDER_STATUS_CONFIRMED, pb::ORDER_FAILURE_REASON_UNSPECIFIED},
      {"pm_test_card_declined", pb::ORDER_STATUS_FAILED, pb::ORDER_FAILURE_REASON_PAYMENT_DECLINED},
      {"pm_test_insufficient_funds", pb::ORDER_STATUS_FAILED,
       pb::ORDER_FAILURE_REASON_PAYMENT_DECLINED},
      {"pm_test_timeout", pb::ORDER_STATUS_FAILED, pb::ORDER_FAILURE_REASON_PAYMENT_TIMEOUT},
      {"pm_test_error_after_charge", pb::ORDER_STATUS_CONFIRMED,
       pb::ORDER_FAILURE_REASON_UNSPECIFIED},
      {"pm_test_pending", pb::ORDER_STATUS_PENDING_PAYMENT, pb::ORDER_FAILURE_REASON_UNSPECIFIED},
  };
  int64_t paid = 0;
  int confirmed = 0;
  std::string pending_payment;
  for (const Case& c : cases) {
    INFO(c.method);
    const std::string res = world.Reserve("usr_buyer", 1, "r-" + c.method);
    grpc::Status s;
    pb::Order o = Place(*stub, token, OrderRequest(res, "k-" + c.method, c.method), &s).order();
    REQUIRE(s.ok());
    CHECK(o.status() == c.status);
    CHECK(o.failure_reason() == c.reason);
    if (o.status() == pb::ORDER_STATUS_CONFIRMED) {
      paid += o.total().amount_minor();
      ++confirmed;
    }
    if (c.method == "pm_test_insufficient_funds") {
      CHECK(o.payment().decline_code() == "insufficient_funds");
    }
    if (c.method == "pm_test_pending") pending_payment = o.payment().id();
  }
  // The pending one is settled through the internal RPC and goes on to a sale.
  auto internal = app.InternalStub(world.ServiceCredential());
  pb::CompletePlaceholderPaymentRequest settle;
  settle.set_payment_id(pending_payment);
  settle.set_approve(true);
  grpc::ClientContext ctx;
  Prepare(ctx, "");
  pb::CompletePlaceholderPaymentResponse settled;
  grpc::Status s = internal->CompletePlaceholderPayment(&ctx, settle, &settled);
  REQUIRE(s.ok());
  CHECK(settled.order().status() == pb::ORDER_STATUS_CONFIRMED);
  paid += settled.order().total().amount_minor();
  ++confirmed;

  pi::Stock stock = world.Stock();
  CHECK(stock.sold() == confirmed);
  CHECK(stock.held() == 0);
  CHECK(stock.available() + stock.held() + stock.sold() == stock.total());
  CHECK(world.Captured() == paid);
  CHECK(world.f().Count("SELECT COALESCE(sum(total_minor), 0)::bigint FROM orders "
                        "WHERE status = 2") == paid);
}

}  // namespace
}  // namespace shopcast::order::testing
