// The checkout saga through the whole App (real PostgreSQL, real gRPC surface) with scripted
// peers: the payment provider follows the test tokens, product-inventory is an in-memory double.

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "shopcast/status/status.h"
#include "shopcast/testing/wait.h"
#include "support/app_fixture.h"

namespace shopcast::order::testing {
namespace {

using payments::ProviderState;
namespace pi = ::shopcast::product_inventory::v1;

struct Placed {
  grpc::Status status;
  pb::Order order;
};

Placed Place(pb::OrderService::Stub& stub, const std::string& token,
             const pb::PlaceOrderRequest& request) {
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  pb::PlaceOrderResponse response;
  Placed p;
  p.status = stub.PlaceOrder(&ctx, request, &response);
  p.order = response.order();
  return p;
}

pb::Order GetOrder(pb::OrderService::Stub& stub, const std::string& token, const std::string& id,
                   grpc::Status* status = nullptr) {
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  pb::GetOrderRequest request;
  request.set_order_id(id);
  pb::GetOrderResponse response;
  grpc::Status s = stub.GetOrder(&ctx, request, &response);
  if (status != nullptr) *status = s;
  return response.order();
}

std::string Reason(const grpc::Status& s) {
  // ToGrpcStatus carries the reason in the error details; the message names it as well.
  return s.error_message() + " " + s.error_details();
}

TEST_CASE("an approved checkout is confirmed, sold once and announced", "[saga]") {
  AppFixture f;
  auto& app = f.AddReplica();
  auto stub = app.Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "str_1", 2, 1250);
  Placed p = Place(*stub, f.TokenFor("usr_buyer", "viewer", "Ada"), OrderRequest(res, "k1"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(p.order.subtotal().amount_minor() == 2500);
  CHECK(p.order.shipping().amount_minor() == 600);  // 500 + 100 for the second unit
  CHECK(p.order.total().amount_minor() == 3100);
  CHECK(p.order.payment().status() == pb::PAYMENT_STATUS_CAPTURED);
  CHECK(p.order.lines(0).reservation_id() == res);
  CHECK(p.order.has_confirmed_at());
  CHECK(f.inventory.StatusOf(res) == pi::RESERVATION_STATUS_COMMITTED);
  CHECK(f.provider.captured_total() == 3100);
  // PENDING_PAYMENT and CONFIRMED, and one sale for the room and one for the recording.
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'order.order_status_changed'") == 2);
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'order.sale_recorded' AND "
                "destination = 'realtime_push'") == 1);
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'order.sale_recorded' AND "
                "destination = 'recording_lifecycle'") == 1);
  // And one for the live playlist's timed metadata.
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'order.sale_recorded' AND "
                "destination = 'video_ingest'") == 1);
  CHECK(f.Count("SELECT units_sold FROM stream_product_sales WHERE stream_id = 'str_1'") == 2);
  CHECK(f.Count("SELECT count(*) FROM orders WHERE buyer_display_name = 'Ada'") == 1);
}

TEST_CASE("declines release the hold and fail the order without a charge", "[saga]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string token = f.TokenFor("usr_buyer");
  for (const char* method : {"pm_test_decline", "pm_test_insufficient_funds"}) {
    const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "str_1", 1, 900);
    Placed p = Place(*stub, token, OrderRequest(res, std::string("k-") + method, method));
    REQUIRE(p.status.ok());
    CHECK(p.order.status() == pb::ORDER_STATUS_FAILED);
    CHECK(p.order.failure_reason() == pb::ORDER_FAILURE_REASON_PAYMENT_DECLINED);
    CHECK(p.order.payment().status() == pb::PAYMENT_STATUS_DECLINED);
    CHECK(!p.order.payment().decline_code().empty());
    CHECK(f.inventory.StatusOf(res) == pi::RESERVATION_STATUS_RELEASED);
    CHECK(f.inventory.ReleaseReasonOf(res) == "PAYMENT_DECLINED");
  }
  CHECK(f.provider.captured_total() == 0);
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'order.sale_recorded'") == 0);
}

TEST_CASE("a provider that never answers fails the order with PAYMENT_TIMEOUT", "[saga]") {
  AppFixture f;
  auto stub = f.AddReplica([](Config& c) { c.provider_attempts = 2; }).Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  Placed p = Place(*stub, f.TokenFor("usr_buyer"), OrderRequest(res, "k", "pm_test_timeout"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_FAILED);
  CHECK(p.order.failure_reason() == pb::ORDER_FAILURE_REASON_PAYMENT_TIMEOUT);
  CHECK(f.provider.authorize_calls() == 2);
  CHECK(f.provider.StateOf(p.order.payment().id()) == ProviderState::kVoided);
  CHECK(f.inventory.ReleaseReasonOf(res) == "PAYMENT_TIMEOUT");
}

TEST_CASE("an error after the charge is retried into the same single authorization", "[saga]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  Placed p =
      Place(*stub, f.TokenFor("usr_buyer"), OrderRequest(res, "k", "pm_test_error_after_charge"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(f.provider.authorize_calls() == 2);
  CHECK(f.provider.authorizations() == 1);
  CHECK(f.provider.captured_total() == 1400);
}

TEST_CASE("a hold that lapsed before commit voids the payment: nothing charged", "[saga]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  f.inventory.ExpireAtCommit(res);
  Placed p = Place(*stub, f.TokenFor("usr_buyer"), OrderRequest(res, "k"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_FAILED);
  CHECK(p.order.failure_reason() == pb::ORDER_FAILURE_REASON_RESERVATION_EXPIRED);
  CHECK(p.order.payment().status() == pb::PAYMENT_STATUS_VOIDED);
  CHECK(f.provider.captured_total() == 0);
}

TEST_CASE("an expired hold is refused before any order exists", "[saga]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  f.inventory.Expire(res);
  Placed p = Place(*stub, f.TokenFor("usr_buyer"), OrderRequest(res, "k"));
  CHECK(p.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(Reason(p.status), Catch::Contains("RESERVATION_EXPIRED"));
  CHECK(f.Count("SELECT count(*) FROM orders") == 0);
}

TEST_CASE("another buyer's reservation is refused", "[saga]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  Placed p = Place(*stub, f.TokenFor("usr_thief"), OrderRequest(res, "k"));
  CHECK(p.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_THAT(Reason(p.status), Catch::Contains("NOT_RESERVATION_OWNER"));
}

TEST_CASE("a pending payment waits for CompletePlaceholderPayment", "[saga]") {
  AppFixture f;
  auto& app = f.AddReplica();
  auto stub = app.Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  const std::string token = f.TokenFor("usr_buyer");
  Placed p = Place(*stub, token, OrderRequest(res, "k", "pm_test_pending"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_PENDING_PAYMENT);
  CHECK(p.order.payment().status() == pb::PAYMENT_STATUS_PENDING);
  CHECK(f.inventory.StatusOf(res) == pi::RESERVATION_STATUS_IN_CHECKOUT);

  auto internal = app.InternalStub(f.pki().Of("realtime-push"));
  pb::CompletePlaceholderPaymentRequest settle;
  settle.set_payment_id(p.order.payment().id());
  settle.set_approve(true);
  grpc::ClientContext ctx;
  Prepare(ctx, "");
  pb::CompletePlaceholderPaymentResponse settled;
  REQUIRE(internal->CompletePlaceholderPayment(&ctx, settle, &settled).ok());
  CHECK(settled.order().status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(f.inventory.StatusOf(res) == pi::RESERVATION_STATUS_COMMITTED);
  // The retry with the key returns the confirmed order.
  CHECK(Place(*stub, token, OrderRequest(res, "k", "pm_test_pending")).order.status() ==
        pb::ORDER_STATUS_CONFIRMED);
}

TEST_CASE("a pending payment not settled in time fails with PAYMENT_TIMEOUT", "[saga]") {
  AppFixture f;
  auto stub = f.AddReplica([](Config& c) { c.payment_pending_timeout = absl::Seconds(1); }).Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  const std::string token = f.TokenFor("usr_buyer");
  Placed p = Place(*stub, token, OrderRequest(res, "k", "pm_test_pending"));
  REQUIRE(p.order.status() == pb::ORDER_STATUS_PENDING_PAYMENT);
  // The recovery worker notices the lapse.
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return GetOrder(*stub, token, p.order.id()).status() == pb::ORDER_STATUS_FAILED; },
      absl::Seconds(30)));
  pb::Order failed = GetOrder(*stub, token, p.order.id());
  CHECK(failed.failure_reason() == pb::ORDER_FAILURE_REASON_PAYMENT_TIMEOUT);
  CHECK(f.provider.StateOf(p.order.payment().id()) == ProviderState::kVoided);
  CHECK(f.inventory.StatusOf(res) == pi::RESERVATION_STATUS_RELEASED);
}

TEST_CASE("product-inventory down mid-saga: UNAVAILABLE, then the same key finishes it", "[saga]") {
  AppFixture f;
  // No recovery worker: the retry itself resumes the saga.
  AppOverrides overrides;
  overrides.no_recovery = true;
  auto stub = f.AddReplica(nullptr, overrides).Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  const std::string token = f.TokenFor("usr_buyer");
  // Down after pricing: the order is stored, its lock cannot be taken.
  f.inventory.GoDownAfterNextGet();
  Placed down = Place(*stub, token, OrderRequest(res, "k"));
  CHECK(down.status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK_THAT(Reason(down.status), Catch::Contains("INVENTORY_UNAVAILABLE"));
  CHECK(f.Count("SELECT count(*) FROM orders WHERE status = 1 AND step = 'lock'") == 1);
  f.inventory.SetDown(false);
  Placed again = Place(*stub, token, OrderRequest(res, "k"));
  REQUIRE(again.status.ok());
  CHECK(again.order.status() == pb::ORDER_STATUS_CONFIRMED);
}

TEST_CASE("the same key and request return the same order, another request is refused",
          "[saga][idempotency]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  const std::string token = f.TokenFor("usr_buyer");
  Placed first = Place(*stub, token, OrderRequest(res, "key-1"));
  REQUIRE(first.status.ok());
  Placed second = Place(*stub, token, OrderRequest(res, "key-1"));
  REQUIRE(second.status.ok());
  CHECK(second.order.id() == first.order.id());
  CHECK(second.order.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(f.provider.authorize_calls() == 1);

  pb::PlaceOrderRequest other = OrderRequest(res, "key-1");
  other.mutable_shipping_address()->set_city("Paris");
  Placed reused = Place(*stub, token, other);
  CHECK(reused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(Reason(reused.status), Catch::Contains("IDEMPOTENCY_KEY_REUSED"));
  // Keys are per buyer: the same key is another buyer's own.
  const std::string res2 = f.inventory.AddHold("usr_other", "usr_seller", "", 1, 900);
  CHECK(Place(*stub, f.TokenFor("usr_other"), OrderRequest(res2, "key-1")).status.ok());
  CHECK(f.Count("SELECT count(*) FROM orders") == 2);
}

TEST_CASE("concurrent first calls with one key make one order and one charge",
          "[saga][idempotency]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  const std::string token = f.TokenFor("usr_buyer");
  constexpr int kCalls = 8;
  std::vector<Placed> results(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] { results[i] = Place(*stub, token, OrderRequest(res, "same")); });
  }
  for (auto& t : threads) t.join();
  for (const Placed& p : results) {
    REQUIRE(p.status.ok());
    CHECK(p.order.id() == results[0].order.id());
  }
  CHECK(f.Count("SELECT count(*) FROM orders") == 1);
  CHECK(f.provider.authorizations() == 1);
  CHECK(f.inventory.commits() == 1);
  // Every call that saw the order while it ran waited for it: all report it confirmed.
  for (const Placed& p : results) CHECK(p.order.status() == pb::ORDER_STATUS_CONFIRMED);
}

TEST_CASE("orders are visible to their buyer, seller and admins only", "[saga][auth]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  Placed p = Place(*stub, f.TokenFor("usr_buyer"), OrderRequest(res, "k"));
  REQUIRE(p.status.ok());
  grpc::Status s;
  GetOrder(*stub, f.TokenFor("usr_buyer"), p.order.id(), &s);
  CHECK(s.ok());
  GetOrder(*stub, f.TokenFor("usr_seller", "host"), p.order.id(), &s);
  CHECK(s.ok());
  GetOrder(*stub, f.TokenFor("usr_root", "admin"), p.order.id(), &s);
  CHECK(s.ok());
  GetOrder(*stub, f.TokenFor("usr_other"), p.order.id(), &s);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK_THAT(Reason(s), Catch::Contains("ORDER_NOT_FOUND"));
  GetOrder(*stub, f.TokenFor("usr_other"), "ord_nonexistent", &s);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  GetOrder(*stub, "", p.order.id(), &s);
  CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
}

TEST_CASE("bad fields are refused with the field named", "[saga][validation]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string token = f.TokenFor("usr_buyer");
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "", 1, 900);
  pb::PlaceOrderRequest r = OrderRequest(res, "k");
  r.mutable_shipping_address()->set_country_code("gb");
  Placed p = Place(*stub, token, r);
  CHECK(p.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(Reason(p.status), Catch::Contains("shipping_address.country_code"));
  r = OrderRequest(res, "");
  CHECK_THAT(Reason(Place(*stub, token, r).status), Catch::Contains("IDEMPOTENCY_KEY_REQUIRED"));
  r = OrderRequest(res, "k", "pm_live_visa");
  CHECK_THAT(Reason(Place(*stub, token, r).status), Catch::Contains("PAYMENT_METHOD_INVALID"));
  r = OrderRequest(res, "k");
  r.set_access_stream_id("str_1");
  // An access pass takes a str_ id and no address (tests/access has the rest).
  CHECK(Place(*stub, token, r).status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(f.Count("SELECT count(*) FROM orders") == 0);
}

TEST_CASE("ListOrders pages newest first by role, status and stream", "[saga][list]") {
  AppFixture f;
  auto stub = f.AddReplica().Stub();
  const std::string buyer = f.TokenFor("usr_buyer");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const std::string res =
        f.inventory.AddHold("usr_buyer", "usr_seller", i < 3 ? "str_a" : "str_b", 1, 900);
    Placed p = Place(
        *stub, buyer,
        OrderRequest(res, "k" + std::to_string(i), i == 4 ? "pm_test_decline" : "pm_test_approve"));
    REQUIRE(p.status.ok());
    ids.push_back(p.order.id());
  }
  auto list = [&](const std::string& token, pb::ListOrdersRequest request) {
    std::vector<std::string> seen;
    for (int pages = 0; pages < 10; ++pages) {
      grpc::ClientContext ctx;
      Prepare(ctx, token);
      pb::ListOrdersResponse response;
      grpc::Status s = stub->ListOrders(&ctx, request, &response);
      REQUIRE(s.ok());
      for (const auto& o : response.orders()) seen.push_back(o.id());
      if (response.page().next_page_token().empty()) break;
      request.mutable_page()->set_page_token(response.page().next_page_token());
    }
    return seen;
  };
  pb::ListOrdersRequest request;
  request.set_role(pb::ORDER_ROLE_BUYER);
  request.mutable_page()->set_page_size(2);
  CHECK(list(buyer, request) == std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]});
  request.add_statuses(pb::ORDER_STATUS_CONFIRMED);
  request.set_stream_id("str_b");
  CHECK(list(buyer, request) == std::vector<std::string>{ids[3]});
  pb::ListOrdersRequest as_seller;
  as_seller.set_role(pb::ORDER_ROLE_SELLER);
  CHECK(list(f.TokenFor("usr_seller", "host"), as_seller).size() == 5);
  CHECK(list(f.TokenFor("usr_other", "host"), as_seller).empty());
  CHECK(list(f.TokenFor("usr_other"), request).empty());
  // A page token belongs to its filters.
  pb::ListOrdersRequest first;
  first.set_role(pb::ORDER_ROLE_BUYER);
  first.mutable_page()->set_page_size(1);
  grpc::ClientContext ctx;
  Prepare(ctx, buyer);
  pb::ListOrdersResponse page;
  REQUIRE(stub->ListOrders(&ctx, first, &page).ok());
  first.mutable_page()->set_page_token(page.page().next_page_token());
  first.set_stream_id("str_a");
  grpc::ClientContext ctx2;
  Prepare(ctx2, buyer);
  CHECK(stub->ListOrders(&ctx2, first, &page).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("a saga left mid-way by a dead process is resumed by the next one", "[saga][recovery]") {
  AppFixture f;
  const std::string res = f.inventory.AddHold("usr_buyer", "usr_seller", "str_1", 1, 900);
  const std::string token = f.TokenFor("usr_buyer");
  // The first process "dies" right after recording its commit (stock sold, not yet captured).
  AppOverrides crashing;
  crashing.no_recovery = true;
  crashing.crash_after = [](const std::string&, const std::string& next) {
    return next == "capture";
  };
  auto short_lease = [](Config& c) { c.saga_lease = absl::Seconds(1); };
  auto& first = f.AddReplica(short_lease, crashing);
  Placed p = Place(*first.Stub(), token, OrderRequest(res, "k"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_PENDING_PAYMENT);
  CHECK(f.inventory.StatusOf(res) == pi::RESERVATION_STATUS_COMMITTED);
  f.DropReplica(first);

  auto stub = f.AddReplica(short_lease).Stub();
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return GetOrder(*stub, token, p.order.id()).status() == pb::ORDER_STATUS_CONFIRMED; },
      absl::Seconds(30)));
  CHECK(f.provider.authorizations() == 1);
  CHECK(f.provider.captured_total() == 1400);
  CHECK(f.inventory.commits() == 1);
  // One sale, once for each of its three destinations.
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'order.sale_recorded'") == 3);
  CHECK(f.Count("SELECT count(DISTINCT event_id) FROM outbox WHERE type = 'order.sale_recorded'") ==
        1);
}

}  // namespace
}  // namespace shopcast::order::testing
