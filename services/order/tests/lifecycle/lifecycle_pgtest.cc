// The order lifecycle through the whole App (real PostgreSQL, real gRPC surface) with scripted
// peers: cancels, shipments and refunds, their authorization, idempotency, events, and the
// remote work a dead process left finished by recovery.

#include <atomic>
#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lifecycle/calls.h"
#include "prometheus/text_serializer.h"
#include "shopcast/testing/wait.h"

namespace shopcast::order::testing {
namespace {

using payments::ProviderState;
namespace pi = ::shopcast::product_inventory::v1;

constexpr char kBuyer[] = "usr_buyer";
constexpr char kSeller[] = "usr_seller";

// An App with the fixture's doubles, and tokens of the order's parties.
struct World {
  AppFixture f;
  Replica* app = nullptr;
  std::unique_ptr<pb::OrderService::Stub> stub;
  std::string buyer, seller, admin, stranger, other_host;

  explicit World(const ConfigEdit& edit = nullptr, AppOverrides overrides = {}) {
    app = &f.AddReplica(edit, std::move(overrides));
    stub = app->Stub();
    buyer = f.TokenFor(kBuyer, "viewer", "Ada");
    seller = f.TokenFor(kSeller, "host");
    admin = f.TokenFor("usr_admin", "admin");
    stranger = f.TokenFor("usr_stranger", "viewer");
    other_host = f.TokenFor("usr_other_host", "host");
  }

  // A paid order of `quantity` x 1250 (+ 500 shipping, + 100 per further unit) in str_1.
  pb::Order Buy(int quantity = 2, const std::string& method = "pm_test_approve") {
    const std::string res = f.inventory.AddHold(kBuyer, kSeller, "str_1", quantity, 1250);
    Answer a = PlaceCall(*stub, buyer, OrderRequest(res, "k-" + res, method));
    if (!a.status.ok()) throw std::runtime_error("PlaceOrder: " + a.status.error_message());
    return a.order;
  }

  int64_t Count(const std::string& sql) { return f.Count(sql); }
  int64_t Events(const std::string& type) {
    return f.Count("SELECT count(*) FROM outbox WHERE type = '" + type + "'");
  }
  int64_t UnitsSold() {
    return f.Count(
        "SELECT COALESCE(sum(units_sold), 0)::bigint FROM stream_product_sales "
        "WHERE stream_id = 'str_1'");
  }
};

TEST_CASE("a buyer cancels a paid order: refunded in full, stock back, sale withdrawn",
          "[lifecycle][cancel]") {
  World w;
  pb::Order o = w.Buy(2);
  REQUIRE(o.status() == pb::ORDER_STATUS_CONFIRMED);
  REQUIRE(o.total().amount_minor() == 3100);
  REQUIRE(w.UnitsSold() == 2);

  Answer a =
      CancelCall(*w.stub, w.buyer, o.id(), pb::CANCEL_REASON_BUYER_REQUESTED, "changed my mind");
  REQUIRE(a.status.ok());
  CHECK(a.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(a.order.cancel_reason() == pb::CANCEL_REASON_BUYER_REQUESTED);
  CHECK(a.order.cancel_note() == "changed my mind");
  CHECK(a.order.cancelled_by() == kBuyer);
  CHECK(a.order.has_cancelled_at());
  CHECK(a.order.payment().status() == pb::PAYMENT_STATUS_REFUNDED);
  CHECK(a.order.payment().refunded().amount_minor() == 3100);
  CHECK(a.order.payment().refunded().currency() == "USD");
  CHECK(a.order.has_refunded_at());
  CHECK(w.f.provider.refunded_total() == 3100);
  CHECK(w.f.inventory.Returned(o.lines(0).reservation_id()));
  CHECK(w.f.inventory.returned_units() == 2);
  // The units are no longer sold; the room, the buyer and the recording hear of it.
  CHECK(w.UnitsSold() == 0);
  CHECK(w.Events("order.order_status_changed") == 3);  // pending, confirmed, cancelled
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = 'order.sale_cancelled' AND "
                "destination IN ('realtime_push', 'recording_lifecycle')") == 2);
  CHECK(w.Count("SELECT count(*) FROM orders WHERE lifecycle_step = '' AND "
                "stock_returned_at IS NOT NULL AND refunded_minor = 3100") == 1);

  // Again: the same cancelled order, nothing refunded or returned twice, no new event.
  Answer again = CancelCall(*w.stub, w.buyer, o.id());
  REQUIRE(again.status.ok());
  CHECK(again.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(again.order.cancel_note() == "changed my mind");
  CHECK(w.f.provider.refunds() == 1);
  CHECK(w.f.inventory.returned_units() == 2);
  CHECK(w.Events("order.order_status_changed") == 3);
  CHECK(GetCall(*w.stub, w.buyer, o.id()).order.payment().refunded().amount_minor() == 3100);
}

TEST_CASE("an unpaid order is cancelled by taking its checkout over: voided, hold released",
          "[lifecycle][cancel]") {
  World w;
  const std::string res = w.f.inventory.AddHold(kBuyer, kSeller, "str_1", 1, 900);
  Answer placed = PlaceCall(*w.stub, w.buyer, OrderRequest(res, "k", "pm_test_pending"));
  REQUIRE(placed.status.ok());
  REQUIRE(placed.order.status() == pb::ORDER_STATUS_PENDING_PAYMENT);

  Answer a = CancelCall(*w.stub, w.buyer, placed.order.id(), pb::CANCEL_REASON_OTHER);
  REQUIRE(a.status.ok());
  CHECK(a.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(a.order.payment().status() == pb::PAYMENT_STATUS_VOIDED);
  CHECK(a.order.payment().refunded().amount_minor() == 0);
  CHECK(w.f.provider.StateOf(placed.order.payment().id()) == ProviderState::kVoided);
  CHECK(w.f.inventory.StatusOf(res) == pi::RESERVATION_STATUS_RELEASED);
  CHECK(w.f.inventory.ReleaseReasonOf(res) == "ORDER_CANCELLED");
  CHECK(w.f.inventory.commits() == 0);
  CHECK(w.f.provider.refunds() == 0);
  CHECK(w.Events("order.sale_cancelled") == 0);
  CHECK(w.Events("order.order_status_changed") == 2);  // pending, cancelled

  // The provider's late approval finds the payment voided; the checkout stays cancelled.
  auto internal = w.app->InternalStub(w.f.pki().Of("realtime-push"));
  pb::CompletePlaceholderPaymentRequest settle;
  settle.set_payment_id(placed.order.payment().id());
  settle.set_approve(true);
  grpc::ClientContext ctx;
  Prepare(ctx, "");
  pb::CompletePlaceholderPaymentResponse settled;
  CHECK(internal->CompletePlaceholderPayment(&ctx, settle, &settled).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  // The buyer's retry of the checkout answers the cancelled order; nothing was ever sold.
  Answer retry = PlaceCall(*w.stub, w.buyer, OrderRequest(res, "k", "pm_test_pending"));
  REQUIRE(retry.status.ok());
  CHECK(retry.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(w.f.inventory.commits() == 0);
  CHECK(w.f.provider.authorizations() == 0);
}

TEST_CASE("a cancel while the checkout commits waits for it and then cancels the paid order",
          "[lifecycle][cancel][recovery]") {
  AppFixture f;
  const std::string buyer = f.TokenFor(kBuyer);
  const std::string res = f.inventory.AddHold(kBuyer, kSeller, "str_1", 1, 900);
  // The only process "dies" right after recording its commit: the stock is sold, not yet
  // captured, and nobody finishes the checkout (no recovery).
  AppOverrides crashing;
  crashing.no_recovery = true;
  crashing.crash_after = [](const std::string&, const std::string& next) {
    return next == "capture";
  };
  auto short_lease = [](Config& c) { c.saga_lease = absl::Seconds(1); };
  auto& first = f.AddReplica(short_lease, crashing);
  auto first_stub = first.Stub();
  Answer placed = PlaceCall(*first_stub, buyer, OrderRequest(res, "k"));
  REQUIRE(placed.order.status() == pb::ORDER_STATUS_PENDING_PAYMENT);
  // A committed sale cannot be taken over: the cancel waits for it, then gives up.
  Answer refused = CancelCall(*first_stub, buyer, placed.order.id());
  CHECK(refused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(refused.Reason(), Catch::Contains("ORDER_PAYMENT_IN_PROGRESS"));
  CHECK(GetCall(*first_stub, buyer, placed.order.id()).order.status() ==
        pb::ORDER_STATUS_PENDING_PAYMENT);
  CHECK(f.provider.refund_calls() == 0);

  // A replica with recovery finishes the checkout; the cancel then refunds the paid order.
  auto stub = f.AddReplica(short_lease).Stub();
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return GetCall(*stub, buyer, placed.order.id()).order.status() ==
               pb::ORDER_STATUS_CONFIRMED;
      },
      absl::Seconds(30)));
  Answer a = CancelCall(*stub, buyer, placed.order.id());
  REQUIRE(a.status.ok());
  CHECK(a.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(a.order.payment().status() == pb::PAYMENT_STATUS_REFUNDED);
  CHECK(f.inventory.Returned(res));
  CHECK(f.provider.refunded_total() == 1400);
}

TEST_CASE("the seller ships a paid order once and the data is checked", "[lifecycle][ship]") {
  World w;
  pb::Order o = w.Buy(1);
  Answer shipped = ShipCall(*w.stub, w.seller, o.id(), "DHL Express", "JD0146 0000 6281/23");
  REQUIRE(shipped.status.ok());
  CHECK(shipped.order.status() == pb::ORDER_STATUS_SHIPPED);
  CHECK(shipped.order.carrier() == "DHL Express");
  CHECK(shipped.order.tracking_number() == "JD0146 0000 6281/23");
  CHECK(shipped.order.has_shipped_at());
  CHECK(w.Events("order.order_status_changed") == 3);

  // The same shipment again changes nothing; other tracking data is refused.
  Answer again = ShipCall(*w.stub, w.seller, o.id(), "DHL Express", "JD0146 0000 6281/23");
  REQUIRE(again.status.ok());
  CHECK(again.order.shipped_at().seconds() == shipped.order.shipped_at().seconds());
  CHECK(w.Events("order.order_status_changed") == 3);
  Answer other = ShipCall(*w.stub, w.seller, o.id(), "UPS", "1Z999AA10123456784");
  CHECK(other.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(other.Reason(), Catch::Contains("ORDER_ALREADY_SHIPPED"));

  // A shipped order is no longer the buyer's to cancel.
  Answer cancel = CancelCall(*w.stub, w.buyer, o.id());
  CHECK(cancel.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(cancel.Reason(), Catch::Contains("ORDER_ALREADY_SHIPPED"));

  pb::Order next = w.Buy(1);
  struct Bad {
    std::string carrier, tracking, reason;
  };
  for (const Bad& b : std::vector<Bad>{{"", "123", "CARRIER_INVALID"},
                                       {"   ", "123", "CARRIER_INVALID"},
                                       {"DHL\n", "123", "CARRIER_INVALID"},
                                       {std::string(101, 'x'), "123", "CARRIER_INVALID"},
                                       {"DHL", "", "TRACKING_NUMBER_INVALID"},
                                       {"DHL", "12<script>", "TRACKING_NUMBER_INVALID"},
                                       {"DHL", " 123", "TRACKING_NUMBER_INVALID"},
                                       {"DHL", std::string(101, '1'), "TRACKING_NUMBER_INVALID"}}) {
    INFO(b.carrier << " / " << b.tracking);
    Answer bad = ShipCall(*w.stub, w.seller, next.id(), b.carrier, b.tracking);
    CHECK(bad.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(bad.Reason(), Catch::Contains(b.reason));
  }
  CHECK(GetCall(*w.stub, w.seller, next.id()).order.status() == pb::ORDER_STATUS_CONFIRMED);

  // Not paid (yet, or ever): nothing to ship.
  const std::string res = w.f.inventory.AddHold(kBuyer, kSeller, "str_1", 1, 900);
  Answer pending = PlaceCall(*w.stub, w.buyer, OrderRequest(res, "kp", "pm_test_pending"));
  Answer not_paid = ShipCall(*w.stub, w.seller, pending.order.id());
  CHECK(not_paid.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(not_paid.Reason(), Catch::Contains("ORDER_NOT_PAID"));
  pb::Order declined = w.Buy(1, "pm_test_decline");
  CHECK_THAT(ShipCall(*w.stub, w.seller, declined.id()).Reason(), Catch::Contains("ORDER_FAILED"));
}

TEST_CASE("authorization: buyer, seller, admin and everyone else", "[lifecycle][auth]") {
  World w;
  pb::Order o = w.Buy(2);
  const std::string& id = o.id();
  auto not_found = [](const Answer& a) {
    return a.status.error_code() == grpc::StatusCode::NOT_FOUND &&
           a.Reason().find("ORDER_NOT_FOUND") != std::string::npos;
  };
  // Nobody else learns the order exists, whatever they try; a made-up id looks the same.
  for (const std::string* token : {&w.stranger, &w.other_host}) {
    CHECK(not_found(CancelCall(*w.stub, *token, id, pb::CANCEL_REASON_OTHER)));
    CHECK(not_found(ShipCall(*w.stub, *token, id)));
    CHECK(not_found(RefundCall(*w.stub, *token, id, "k", 100)));
  }
  CHECK(not_found(CancelCall(*w.stub, w.buyer, "ord_00000000000000000000000000")));
  CHECK(not_found(ShipCall(*w.stub, w.seller, "not-an-id")));
  CHECK(not_found(RefundCall(*w.stub, w.admin, "ord_00000000000000000000000000", "k", 100)));
  CHECK(CancelCall(*w.stub, "", id).status.error_code() == grpc::StatusCode::UNAUTHENTICATED);

  // The buyer may cancel, not ship or refund; each party only with its own reasons.
  Answer buyer_ship = ShipCall(*w.stub, w.buyer, id);
  CHECK(buyer_ship.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(buyer_ship.Reason(), Catch::Contains("NOT_ORDER_SELLER"));
  Answer buyer_refund = RefundCall(*w.stub, w.buyer, id, "k", 100);
  CHECK(buyer_refund.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  Answer buyer_fraud = CancelCall(*w.stub, w.buyer, id, pb::CANCEL_REASON_SUSPECTED_FRAUD);
  CHECK(buyer_fraud.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(buyer_fraud.Reason(), Catch::Contains("CANCEL_REASON_NOT_ALLOWED"));
  Answer seller_as_buyer = CancelCall(*w.stub, w.seller, id, pb::CANCEL_REASON_BUYER_REQUESTED);
  CHECK_THAT(seller_as_buyer.Reason(), Catch::Contains("CANCEL_REASON_NOT_ALLOWED"));
  Answer no_reason = CancelCall(*w.stub, w.buyer, id, pb::CANCEL_REASON_UNSPECIFIED);
  CHECK(no_reason.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(no_reason.Reason(), Catch::Contains("CANCEL_REASON_REQUIRED"));
  Answer long_note =
      CancelCall(*w.stub, w.buyer, id, pb::CANCEL_REASON_OTHER, std::string(501, 'n'));
  CHECK_THAT(long_note.Reason(), Catch::Contains("NOTE_INVALID"));
  // None of that changed anything.
  pb::Order unchanged = GetCall(*w.stub, w.buyer, id).order;
  CHECK(unchanged.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(w.f.provider.refund_calls() == 0);
  CHECK(w.Count("SELECT count(*) FROM order_refunds") == 0);

  // The seller and an admin may refund; the seller may cancel for their own reasons.
  REQUIRE(RefundCall(*w.stub, w.seller, id, "goodwill-1", 100).status.ok());
  REQUIRE(RefundCall(*w.stub, w.admin, id, "goodwill-2", 200).status.ok());
  Answer seller_cancel = CancelCall(*w.stub, w.seller, id, pb::CANCEL_REASON_SELLER_CANNOT_FULFIL);
  REQUIRE(seller_cancel.status.ok());
  CHECK(seller_cancel.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(seller_cancel.order.cancelled_by() == kSeller);
  // The cancel gave back what the goodwill refunds had left.
  CHECK(seller_cancel.order.payment().refunded().amount_minor() == 3100);
  CHECK(w.f.provider.refunded_total() == 3100);

  // An admin may cancel any order, for any reason, and ship one.
  pb::Order other = w.Buy(1);
  Answer admin_ship = ShipCall(*w.stub, w.admin, other.id());
  CHECK(admin_ship.status.ok());
  pb::Order third = w.Buy(1);
  Answer admin_cancel = CancelCall(*w.stub, w.admin, third.id(), pb::CANCEL_REASON_SUSPECTED_FRAUD);
  REQUIRE(admin_cancel.status.ok());
  CHECK(admin_cancel.order.cancelled_by() == "usr_admin");
}

TEST_CASE("refunds: idempotent per key, partial then full, never more than captured",
          "[lifecycle][refund]") {
  World w;
  pb::Order o = w.Buy(2);  // 3100 USD
  const std::string& id = o.id();

  Answer part = RefundCall(*w.stub, w.seller, id, "r1", 1000);
  REQUIRE(part.status.ok());
  CHECK(part.order.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(part.order.payment().status() == pb::PAYMENT_STATUS_PARTIALLY_REFUNDED);
  CHECK(part.order.payment().refunded().amount_minor() == 1000);
  CHECK(w.f.inventory.returned_units() == 0);  // a partial refund keeps the sale
  CHECK(w.UnitsSold() == 2);
  // The status stays; the partial refund is announced (the buyer is told) with its amount.
  CHECK(w.Events("order.order_status_changed") == 3);

  // The retry is the same refund; the key with another request is refused.
  Answer retry = RefundCall(*w.stub, w.seller, id, "r1", 1000);
  REQUIRE(retry.status.ok());
  CHECK(retry.order.payment().refunded().amount_minor() == 1000);
  CHECK(w.f.provider.refunds() == 1);
  Answer reused = RefundCall(*w.stub, w.seller, id, "r1", 999);
  CHECK(reused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(reused.Reason(), Catch::Contains("REFUND_KEY_REUSED"));

  // More than what remains (2100), another currency, nothing, no key: refused, nothing kept.
  for (const Answer& bad :
       {RefundCall(*w.stub, w.seller, id, "r2", 2101), RefundCall(*w.stub, w.seller, id, "r2", 0),
        RefundCall(*w.stub, w.seller, id, "r2", 500, false, "EUR")}) {
    CHECK(bad.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_THAT(bad.Reason(), Catch::Contains("REFUND_AMOUNT_INVALID"));
  }
  CHECK_THAT(RefundCall(*w.stub, w.seller, id, "").Reason(),
             Catch::Contains("REFUND_KEY_REQUIRED"));
  CHECK_THAT(RefundCall(*w.stub, w.seller, id, "bad key").Reason(),
             Catch::Contains("REFUND_KEY_INVALID"));
  CHECK(w.Count("SELECT count(*) FROM order_refunds") == 1);

  // The rest (amount unset) is a full refund: REFUNDED, the units go back.
  Answer full = RefundCall(*w.stub, w.seller, id, "r3");
  REQUIRE(full.status.ok());
  CHECK(full.order.status() == pb::ORDER_STATUS_REFUNDED);
  CHECK(full.order.payment().status() == pb::PAYMENT_STATUS_REFUNDED);
  CHECK(full.order.payment().refunded().amount_minor() == 3100);
  CHECK(full.order.has_refunded_at());
  CHECK(w.f.inventory.returned_units() == 2);
  CHECK(w.UnitsSold() == 0);
  CHECK(w.Events("order.sale_cancelled") == 2);
  // pending, confirmed, the partial refund (once, for all its retries), refunded
  CHECK(w.Events("order.order_status_changed") == 4);
  CHECK(w.f.provider.refunded_total() == 3100);
  CHECK(w.f.provider.refunds() == 2);

  // Nothing is left: new refunds and cancels are refused, the earlier keys still answer.
  Answer more = RefundCall(*w.stub, w.seller, id, "r4", 1);
  CHECK(more.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(more.Reason(), Catch::Contains("ORDER_ALREADY_REFUNDED"));
  CHECK_THAT(CancelCall(*w.stub, w.buyer, id).Reason(), Catch::Contains("ORDER_ALREADY_REFUNDED"));
  CHECK(RefundCall(*w.stub, w.seller, id, "r3").status.ok());
  CHECK(RefundCall(*w.stub, w.seller, id, "r1", 1000).status.ok());
  CHECK(w.f.provider.refunds() == 2);

  // An unpaid or failed order has nothing to refund.
  pb::Order declined = w.Buy(1, "pm_test_decline");
  CHECK_THAT(RefundCall(*w.stub, w.seller, declined.id(), "x").Reason(),
             Catch::Contains("ORDER_FAILED"));
}

TEST_CASE("a full refund of a shipped order with keep_stock leaves the units sold",
          "[lifecycle][refund]") {
  World w;
  pb::Order o = w.Buy(2);
  REQUIRE(ShipCall(*w.stub, w.seller, o.id()).status.ok());
  Answer a = RefundCall(*w.stub, w.admin, o.id(), "lost-in-post", -1, true);
  REQUIRE(a.status.ok());
  CHECK(a.order.status() == pb::ORDER_STATUS_REFUNDED);
  CHECK(a.order.payment().refunded().amount_minor() == 3100);
  CHECK(w.f.inventory.return_calls() == 0);
  CHECK(w.UnitsSold() == 2);
  CHECK(w.Events("order.sale_cancelled") == 2);
}

TEST_CASE("racing refunds: one key refunds once, many keys never exceed the capture",
          "[lifecycle][refund][concurrency]") {
  World w;
  pb::Order o = w.Buy(2);  // 3100
  constexpr int kCalls = 6;
  std::vector<Answer> same(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] { same[i] = RefundCall(*w.stub, w.seller, o.id(), "one", 300); });
  }
  for (auto& t : threads) t.join();
  threads.clear();
  for (const Answer& a : same) CHECK(a.status.ok());
  CHECK(w.f.provider.refunds() == 1);
  CHECK(w.f.provider.refunded_total() == 300);

  // 2800 remain: four refunds of 1000 race; two fit, then 800 remain and the rest is refused.
  std::vector<Answer> many(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(
        [&, i] { many[i] = RefundCall(*w.stub, w.seller, o.id(), absl::StrCat("k", i), 1000); });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (const Answer& a : many) {
    if (a.status.ok()) {
      ++ok;
    } else {
      CHECK_THAT(a.Reason(), Catch::Contains("REFUND_AMOUNT_INVALID"));
    }
  }
  CHECK(ok == 2);
  REQUIRE(shopcast::testing::WaitUntil([&] { return w.f.provider.refunded_total() == 2300; },
                                       absl::Seconds(30)));
  CHECK(GetCall(*w.stub, w.seller, o.id()).order.payment().refunded().amount_minor() == 2300);
  CHECK(w.Count("SELECT COALESCE(sum(amount_minor), 0)::bigint FROM order_refunds") == 2300);
}

TEST_CASE("a cancel cut off after its decision is finished once by the next process",
          "[lifecycle][recovery]") {
  for (const char* crash_at : {"refund", "return_stock"}) {
    INFO(crash_at);
    AppFixture f;
    const std::string token = f.TokenFor(kBuyer);
    auto short_lease = [](Config& c) { c.saga_lease = absl::Seconds(1); };
    AppOverrides crashing;
    crashing.no_recovery = true;
    const std::string at = crash_at;
    crashing.crash_after = [at](const std::string&, const std::string& next) { return next == at; };
    auto& first = f.AddReplica(short_lease, crashing);
    const std::string res = f.inventory.AddHold(kBuyer, kSeller, "str_1", 2, 1250);
    Answer placed = PlaceCall(*first.Stub(), token, OrderRequest(res, "k"));
    REQUIRE(placed.order.status() == pb::ORDER_STATUS_CONFIRMED);
    Answer cut = CancelCall(*first.Stub(), token, placed.order.id());
    REQUIRE(cut.status.ok());
    // The decision stands (CANCELLED); the remote work stopped where the process "died".
    CHECK(cut.order.status() == pb::ORDER_STATUS_CANCELLED);
    CHECK(f.inventory.returned_units() == 0);
    CHECK(f.provider.refunds() == (at == "refund" ? 0 : 1));
    f.DropReplica(first);

    auto stub = f.AddReplica(short_lease).Stub();
    REQUIRE(shopcast::testing::WaitUntil(
        [&] {
          return f.Count("SELECT count(*) FROM orders WHERE lifecycle_step = ''") == 1 &&
                 f.inventory.returned_units() == 2;
        },
        absl::Seconds(30)));
    pb::Order done = GetCall(*stub, token, placed.order.id()).order;
    CHECK(done.status() == pb::ORDER_STATUS_CANCELLED);
    CHECK(done.payment().status() == pb::PAYMENT_STATUS_REFUNDED);
    CHECK(done.payment().refunded().amount_minor() == 3100);
    CHECK(f.provider.refunds() == 1);
    CHECK(f.provider.refunded_total() == 3100);
    CHECK(f.inventory.returned_units() == 2);
  }
}

TEST_CASE("a refund the provider cannot take now is kept and finished by recovery",
          "[lifecycle][refund][recovery]") {
  World w([](Config& c) { c.provider_attempts = 1; });
  pb::Order o = w.Buy(1);
  w.f.provider.FailNextRefund(absl::UnavailableError("provider down"));
  Answer a = RefundCall(*w.stub, w.seller, o.id(), "r", 400);
  REQUIRE(a.status.ok());  // recorded: it will happen
  CHECK(a.order.payment().refunded().amount_minor() == 0);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        return GetCall(*w.stub, w.seller, o.id()).order.payment().refunded().amount_minor() == 400;
      },
      absl::Seconds(30)));
  CHECK(w.f.provider.refunds() == 1);
  CHECK(w.f.provider.refund_calls() == 2);
}

TEST_CASE("product-inventory down while a cancel returns stock: finished when it is back",
          "[lifecycle][cancel][recovery]") {
  World w;
  pb::Order o = w.Buy(1);
  w.f.inventory.SetDown(true);
  Answer a = CancelCall(*w.stub, w.buyer, o.id());
  REQUIRE(a.status.ok());
  CHECK(a.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(a.order.payment().status() == pb::PAYMENT_STATUS_REFUNDED);
  CHECK(w.f.inventory.returned_units() == 0);
  w.f.inventory.SetDown(false);
  REQUIRE(shopcast::testing::WaitUntil([&] { return w.f.inventory.returned_units() == 1; },
                                       absl::Seconds(30)));
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return w.Count("SELECT count(*) FROM orders WHERE lifecycle_step = ''") == 1; },
      absl::Seconds(30)));
}

// An access pass as the purchase side stores it: a CONFIRMED order whose one line names the
// gated stream, paid at the scripted provider.
std::string SeedAccessPass(World& w, const std::string& order_id) {
  const std::string payment_id = "pay_" + order_id.substr(4);
  payments::AuthorizeRequest auth;
  auth.payment_id = payment_id;
  auth.order_id = order_id;
  auth.buyer_id = kBuyer;
  auth.amount_minor = 700;
  auth.currency = "USD";
  auth.method_token = "pm_test_approve";
  if (!w.f.provider.Authorize(auth, absl::InfiniteFuture()).ok() ||
      !w.f.provider.Capture(payment_id, absl::InfiniteFuture()).ok()) {
    throw std::runtime_error("seed payment");
  }
  pqxx::connection c(w.f.dsn());
  pqxx::work tx(c);
  tx.exec1(absl::StrCat(
      "WITH o AS (INSERT INTO orders (id, buyer_id, seller_id, stream_id, status, step, currency, "
      "subtotal_minor, shipping_minor, total_minor, shipping_address, payment_id, "
      "payment_method_token, payment_provider, payment_status, created_at, updated_at, "
      "confirmed_at, resume_after) VALUES ('",
      order_id, "', '", kBuyer, "', '", kSeller,
      "', 'str_gated', 2, 'done', 'USD', 700, 0, 700, '{}', '", payment_id,
      "', 'pm_test_approve', 'placeholder', 3, now(), now(), now(), now()) RETURNING id), "
      "l AS (INSERT INTO order_lines (order_id, line_no, access_stream_id, stream_id, title, "
      "quantity, unit_price_minor, line_total_minor, reserved_at) SELECT id, 0, 'str_gated', "
      "'str_gated', 'Access pass', 1, 700, 700, now() FROM o RETURNING order_id) "
      "SELECT count(*) FROM l"));
  tx.commit();
  return order_id;
}

TEST_CASE("an access pass cancelled or refunded is revoked and has no stock or shipment",
          "[lifecycle][access]") {
  World w;
  const std::string cancelled = SeedAccessPass(w, "ord_0000000000000000000000ACC1");
  const std::string refunded = SeedAccessPass(w, "ord_0000000000000000000000ACC2");

  Answer ship = ShipCall(*w.stub, w.seller, cancelled);
  CHECK(ship.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(ship.Reason(), Catch::Contains("ORDER_NOT_SHIPPABLE"));

  Answer a = CancelCall(*w.stub, w.buyer, cancelled);
  REQUIRE(a.status.ok());
  CHECK(a.order.status() == pb::ORDER_STATUS_CANCELLED);
  CHECK(a.order.payment().refunded().amount_minor() == 700);
  Answer r = RefundCall(*w.stub, w.seller, refunded, "pass");
  REQUIRE(r.status.ok());
  CHECK(r.order.status() == pb::ORDER_STATUS_REFUNDED);

  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = 'order.access_pass_revoked' AND "
                "destination = 'video_ingest' AND aggregate_id = 'str_gated'") == 2);
  // The replay stops for them too (recording-lifecycle's gated recordings).
  CHECK(w.Count("SELECT count(*) FROM outbox WHERE type = 'order.access_pass_revoked' AND "
                "destination = 'recording_lifecycle' AND aggregate_id = 'str_gated'") == 2);
  CHECK(w.Events("order.sale_cancelled") == 0);
  CHECK(w.f.inventory.return_calls() == 0);
  CHECK(w.f.provider.refunded_total() == 1400);
}

// The value of one series (its name with labels in sorted order) in the registry's text.
double Series(prometheus::Registry& registry, const std::string& series) {
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

TEST_CASE("metrics count transitions and steps", "[lifecycle][metrics]") {
  World w;
  pb::Order o = w.Buy(1);
  REQUIRE(CancelCall(*w.stub, w.buyer, o.id()).status.ok());
  CHECK(ShipCall(*w.stub, w.stranger, o.id()).status.error_code() == grpc::StatusCode::NOT_FOUND);
  prometheus::Registry& m = w.app->app().host().metrics();
  CHECK(Series(m, R"(order_lifecycle_transitions_total{kind="cancel",outcome="cancelled_paid"})") ==
        1);
  CHECK(
      Series(
          m,
          R"(order_lifecycle_transitions_total{kind="ship",outcome="rejected_order_not_found"})") ==
      1);
  CHECK(Series(m, R"(order_lifecycle_steps_total{outcome="done",step="refund"})") == 1);
  CHECK(Series(m, R"(order_lifecycle_steps_total{outcome="done",step="return_stock"})") == 1);
}

}  // namespace
}  // namespace shopcast::order::testing
