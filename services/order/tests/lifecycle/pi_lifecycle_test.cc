// The lifecycle against a real product-inventory process (its own database, mutual TLS on its
// internal listener) and the built-in SimulatedProvider with its ledger: a cancel really puts
// the units back on sale and the ledger really shows the refund.

#include <catch2/catch.hpp>

#include "lifecycle/calls.h"
#include "product_inventory/tests/app/process_world.h"  // its process-test world
#include "shopcast/testing/wait.h"

namespace shopcast::order::testing {
namespace {

namespace pit = ::shopcast::product_inventory::testing;
namespace pi = ::shopcast::product_inventory::v1;
using PiStub = pi::ProductInventoryService::Stub;

// product-inventory running with a product of usr_host (10 units at 1500 USD, 500 shipping),
// and an order App wired to it and to the simulated provider.
class World {
 public:
  World() : pi_(pit::Start(w_, "pi.log")) {
    nlohmann::json started = pi_.proc->WaitForLogEvent("server_started", absl::Seconds(60));
    const std::string internal =
        "127.0.0.1:" + std::to_string(started["internal_grpc_port"].get<int>());
    product_ = pit::CreateListedProduct(*pi_.stub, w_.Token("usr_admin", auth::Role::kAdmin),
                                        w_.Token("usr_host", auth::Role::kHost), 10);
    auto& app = f_.AddReplica(
        [&](Config& c) {
          c.service_tls = {w_.File("pki/ca.pem"), w_.File("pki/order.pem"),
                           w_.File("pki/order.key")};
          c.verify_key_files = {w_.File("signing.pub.pem")};
          c.product_inventory_addr = internal;
        },
        {}, Peers{true, true});
    stub_ = app.Stub();
  }

  std::string Token(const std::string& user, auth::Role role = auth::Role::kViewer) const {
    return w_.Token(user, role);
  }

  // A confirmed order of `quantity` units for usr_buyer.
  pb::Order Buy(int quantity, const std::string& key) {
    pi::ReserveRequest req;
    req.set_product_id(product_);
    req.set_quantity(quantity);
    req.set_idempotency_key(key);
    pi::ReserveResponse res;
    grpc::Status s = pit::Call(*pi_.stub, &PiStub::Reserve, Token("usr_buyer"), req, &res);
    if (!s.ok()) throw std::runtime_error("Reserve: " + s.error_message());
    Answer a = PlaceCall(*stub_, Token("usr_buyer"), OrderRequest(res.reservation().id(), key));
    if (!a.status.ok() || a.order.status() != pb::ORDER_STATUS_CONFIRMED) {
      throw std::runtime_error("PlaceOrder: " + a.status.error_message());
    }
    return a.order;
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

  pb::OrderService::Stub& stub() { return *stub_; }
  // The simulated provider's ledger: the sum of entries of `kind`.
  int64_t Ledger(const std::string& kind) {
    return f_.Count(
        "SELECT COALESCE(sum(amount_minor), 0)::bigint FROM provider_ledger_entries "
        "WHERE kind = '" +
        kind + "'");
  }

 private:
  pit::ProcessWorld w_;
  pit::RunningService pi_;
  std::string product_;
  AppFixture f_;
  std::unique_ptr<pb::OrderService::Stub> stub_;
};

TEST_CASE("real peers: buy, cancel: the units are on sale again and the ledger refunds",
          "[integration][lifecycle]") {
  World world;
  pb::Order o = world.Buy(2, "b1");
  REQUIRE(o.total().amount_minor() == 3500);
  CHECK(world.Stock().sold() == 2);
  CHECK(world.Stock().available() == 8);

  Answer a = CancelCall(world.stub(), world.Token("usr_buyer"), o.id());
  REQUIRE(a.status.ok());
  CHECK(a.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(a.order.payment().status() == pb::PAYMENT_STATUS_REFUNDED);
  CHECK(a.order.payment().refunded().amount_minor() == 3500);
  pi::Stock stock = world.Stock();
  CHECK(stock.sold() == 0);
  CHECK(stock.held() == 0);
  CHECK(stock.available() == 10);
  CHECK(stock.available() + stock.held() + stock.sold() == stock.total());
  CHECK(world.Ledger("capture") == 3500);
  CHECK(world.Ledger("refund") == 3500);

  // Cancelling again moves neither money nor stock.
  REQUIRE(CancelCall(world.stub(), world.Token("usr_buyer"), o.id()).status.ok());
  CHECK(world.Ledger("refund") == 3500);
  CHECK(world.Stock().available() == 10);
}

TEST_CASE("real peers: a partial refund then the rest returns the stock but keep_stock keeps it",
          "[integration][lifecycle]") {
  World world;
  const std::string host = world.Token("usr_host", auth::Role::kHost);
  pb::Order o = world.Buy(1, "b1");     // 2000
  pb::Order kept = world.Buy(2, "b2");  // 3500
  CHECK(world.Stock().sold() == 3);

  Answer part = RefundCall(world.stub(), host, o.id(), "goodwill", 500);
  REQUIRE(part.status.ok());
  CHECK(part.order.payment().status() == pb::PAYMENT_STATUS_PARTIALLY_REFUNDED);
  CHECK(world.Stock().sold() == 3);
  Answer over = RefundCall(world.stub(), host, o.id(), "too-much", 1501);
  CHECK_THAT(over.Reason(), Catch::Contains("REFUND_AMOUNT_INVALID"));
  Answer rest = RefundCall(world.stub(), host, o.id(), "return");
  REQUIRE(rest.status.ok());
  CHECK(rest.order.status() == pb::ORDER_STATUS_REFUNDED);
  CHECK(rest.order.payment().refunded().amount_minor() == 2000);
  CHECK(world.Stock().sold() == 2);

  REQUIRE(ShipCall(world.stub(), host, kept.id()).status.ok());
  Answer lost = RefundCall(world.stub(), host, kept.id(), "lost", -1, true);
  REQUIRE(lost.status.ok());
  CHECK(lost.order.status() == pb::ORDER_STATUS_REFUNDED);
  pi::Stock stock = world.Stock();
  CHECK(stock.sold() == 2);  // lost in the post: those units are gone
  CHECK(stock.available() == 8);
  CHECK(world.Ledger("refund") == 5500);
  CHECK(world.Ledger("capture") == 5500);
}

}  // namespace
}  // namespace shopcast::order::testing
