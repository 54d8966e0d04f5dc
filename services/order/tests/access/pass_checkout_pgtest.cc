// Buying an access pass to a gated stream through the whole App (real PostgreSQL, the real
// gRPC surface) with scripted peers: video-ingest's LookupStreams is an in-memory double, the
// payment provider follows the test tokens, and product-inventory must never be called.

#include <catch2/catch.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>
#include <vector>

#include "fake_streams.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/ids/ids.h"
#include "shopcast/testing/wait.h"
#include "support/app_fixture.h"

namespace shopcast::order::testing {
namespace {

constexpr char kStream[] = "str_0123456789ABCDEFGHJKMNPQRS";
constexpr char kHost[] = "usr_host";
constexpr char kViewer[] = "usr_viewer";

struct Placed {
  grpc::Status status;
  pb::Order order;
};

std::string Reason(const grpc::Status& s) { return s.error_message() + " " + s.error_details(); }

pb::PlaceOrderRequest PassRequest(const std::string& stream_id, const std::string& key,
                                  const std::string& token = "pm_test_approve") {
  pb::PlaceOrderRequest r;
  r.set_access_stream_id(stream_id);
  r.set_idempotency_key(key);
  r.mutable_payment_method()->mutable_placeholder()->set_token(token);
  return r;
}

// The App with the doubles a pass checkout meets: a gated stream of kHost (4.99 EUR).
class World {
 public:
  World() { streams.Put(kStream, kHost, true, 499, "EUR"); }

  Replica& AddApp(AppOverrides overrides = {}, const ConfigEdit& edit = nullptr) {
    overrides.streams = &streams;
    overrides.replays = &replays;
    overrides.inventory = &inventory;
    return f.AddReplica(edit, std::move(overrides));
  }

  Placed Place(pb::OrderService::Stub& stub, const std::string& user,
               const pb::PlaceOrderRequest& request, const std::string& role = "viewer") {
    grpc::ClientContext ctx;
    Prepare(ctx, f.TokenFor(user, role, "Ada"));
    pb::PlaceOrderResponse response;
    Placed p;
    p.status = stub.PlaceOrder(&ctx, request, &response);
    p.order = response.order();
    return p;
  }

  // The access_pass_granted events in the outbox for video-ingest (each grant also has a row for
  // recording-lifecycle: RecordingGrants), with destination and aggregate.
  struct Grant {
    std::string destination;
    std::string aggregate_id;
    pb::AccessPassGranted pass;
  };
  std::vector<Grant> Grants() const {
    pqxx::connection c(f.dsn());
    pqxx::work tx(c);
    std::vector<Grant> out;
    for (const pqxx::row& row : tx.exec("SELECT destination, aggregate_id, payload FROM outbox "
                                        "WHERE type = 'order.access_pass_granted' AND "
                                        "destination = 'video_ingest' ORDER BY id")) {
      Grant g{row[0].as<std::string>(), row[1].as<std::string>(), {}};
      pqxx::binarystring bytes(row[2]);
      common::v1::Event event;
      REQUIRE(event.ParseFromString(bytes.str()));
      CHECK(event.source() == "order");
      REQUIRE(event.payload().UnpackTo(&g.pass));
      out.push_back(std::move(g));
    }
    return out;
  }

  AppFixture f;
  FakeStreams streams;
  FakeReplays replays;
  UntouchedInventory inventory;
};

TEST_CASE("a viewer buys a pass: charged once at the stream's price, granted to video-ingest",
          "[pass]") {
  World w;
  auto stub = w.AddApp().Stub();
  Placed p = w.Place(*stub, kViewer, PassRequest(kStream, "k1"));
  INFO(Reason(p.status));
  REQUIRE(p.status.ok());
  const pb::Order& o = p.order;
  CHECK(o.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(o.buyer_id() == kViewer);
  CHECK(o.seller_id() == kHost);  // the host is paid for the pass
  CHECK(o.stream_id() == kStream);
  REQUIRE(o.lines_size() == 1);
  CHECK(o.lines(0).access_stream_id() == kStream);
  CHECK(o.lines(0).product_id().empty());
  CHECK(o.lines(0).reservation_id().empty());
  CHECK(o.lines(0).quantity() == 1);
  CHECK(o.lines(0).unit_price().amount_minor() == 499);
  CHECK(o.subtotal().amount_minor() == 499);
  CHECK(o.shipping().amount_minor() == 0);
  CHECK(o.total().amount_minor() == 499);
  CHECK(o.total().currency() == "EUR");
  CHECK(o.shipping_address().ByteSizeLong() == 0);
  CHECK(o.payment().status() == pb::PAYMENT_STATUS_CAPTURED);
  CHECK(w.f.provider.captured_total() == 499);
  CHECK(w.inventory.calls() == 0);

  // One grant, to video-ingest (live playback tokens) and to recording-lifecycle (the replay),
  // keyed by the stream; no sale for the ticker or recording.
  CHECK(w.f.Count("SELECT count(*) FROM outbox WHERE type = 'order.access_pass_granted'") == 2);
  CHECK(w.f.Count("SELECT count(*) FROM outbox WHERE type = 'order.access_pass_granted' AND "
                  "destination = 'recording_lifecycle' AND aggregate_id = '" +
                  std::string(kStream) + "'") == 1);
  std::vector<World::Grant> grants = w.Grants();
  REQUIRE(grants.size() == 1);
  CHECK(grants[0].destination == "video_ingest");
  CHECK(grants[0].aggregate_id == kStream);
  CHECK(grants[0].pass.order_id() == o.id());
  CHECK(grants[0].pass.stream_id() == kStream);
  CHECK(grants[0].pass.viewer_id() == kViewer);
  CHECK(grants[0].pass.granted_at().seconds() == o.confirmed_at().seconds());
  CHECK(w.f.Count("SELECT count(*) FROM outbox WHERE type = 'order.sale_recorded'") == 0);
  CHECK(w.f.Count("SELECT count(*) FROM stream_product_sales") == 0);
  CHECK(w.f.Count("SELECT count(*) FROM outbox WHERE type = 'order.order_status_changed'") == 2);

  // The host sees the pass order among their stream's orders.
  grpc::ClientContext ctx;
  Prepare(ctx, w.f.TokenFor(kHost, "host"));
  pb::ListOrdersRequest list;
  list.set_role(pb::ORDER_ROLE_SELLER);
  list.set_stream_id(kStream);
  pb::ListOrdersResponse listed;
  REQUIRE(stub->ListOrders(&ctx, list, &listed).ok());
  REQUIRE(listed.orders_size() == 1);
  CHECK(listed.orders(0).id() == o.id());
}

TEST_CASE("a pass is bought once: retries return it, another purchase is refused", "[pass]") {
  World w;
  auto stub = w.AddApp().Stub();
  Placed first = w.Place(*stub, kViewer, PassRequest(kStream, "k1"));
  REQUIRE(first.status.ok());
  Placed retry = w.Place(*stub, kViewer, PassRequest(kStream, "k1"));
  REQUIRE(retry.status.ok());
  CHECK(retry.order.id() == first.order.id());
  CHECK(retry.order.status() == pb::ORDER_STATUS_CONFIRMED);

  Placed again = w.Place(*stub, kViewer, PassRequest(kStream, "k2"));
  CHECK(again.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(Reason(again.status), Catch::Contains("ALREADY_ENTITLED"));
  CHECK_THAT(Reason(again.status), Catch::Contains(first.order.id()));
  // The same key with another request is refused, whatever it buys.
  Placed reused = w.Place(*stub, kViewer, PassRequest(kStream, "k1", "pm_test_decline"));
  CHECK(reused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(Reason(reused.status), Catch::Contains("IDEMPOTENCY_KEY_REUSED"));
  Placed product = w.Place(*stub, kViewer, OrderRequest("res_0123456789ABCDEFGHJKMNPQRS", "k1"));
  CHECK_THAT(Reason(product.status), Catch::Contains("IDEMPOTENCY_KEY_REUSED"));

  CHECK(w.f.provider.authorizations() == 1);
  CHECK(w.f.provider.captured_total() == 499);
  CHECK(w.f.Count("SELECT count(*) FROM orders") == 1);
  CHECK(w.Grants().size() == 1);
  // Another viewer buys their own.
  CHECK(w.Place(*stub, "usr_other", PassRequest(kStream, "k1")).order.status() ==
        pb::ORDER_STATUS_CONFIRMED);
}

TEST_CASE("racing checkouts of one pass with different keys charge once", "[pass]") {
  World w;
  auto stub = w.AddApp().Stub();
  constexpr int kCalls = 6;
  std::vector<Placed> placed(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      placed[i] = w.Place(*stub, kViewer, PassRequest(kStream, "race-" + std::to_string(i)));
    });
  }
  for (auto& t : threads) t.join();
  int confirmed = 0;
  for (const Placed& p : placed) {
    if (p.status.ok()) {
      CHECK(p.order.status() == pb::ORDER_STATUS_CONFIRMED);
      ++confirmed;
    } else {
      // Refused while the winner was being paid, or once it was.
      INFO(Reason(p.status));
      CHECK(p.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
      const std::string r = Reason(p.status);
      CHECK((r.find("ACCESS_PASS_PENDING") != std::string::npos ||
             r.find("ALREADY_ENTITLED") != std::string::npos));
    }
  }
  CHECK(confirmed == 1);
  CHECK(w.f.provider.authorizations() == 1);
  CHECK(w.f.Count("SELECT count(*) FROM orders") == 1);
  // Refused calls leave no key behind: the same key may buy later.
  CHECK(w.f.Count("SELECT count(*) FROM idempotency_keys") == 1);
  CHECK(w.Grants().size() == 1);
}

TEST_CASE("a declined, unanswered or failed payment grants nothing and the viewer may try again",
          "[pass]") {
  World w;
  // One call per payment step: an error after the charge is not retried into a success.
  auto stub = w.AddApp({}, [](Config& c) { c.provider_attempts = 1; }).Stub();
  struct Case {
    std::string token;
    pb::OrderFailureReason reason;
  };
  int n = 0;
  for (const Case& c :
       {Case{"pm_test_decline", pb::ORDER_FAILURE_REASON_PAYMENT_DECLINED},
        Case{"pm_test_insufficient_funds", pb::ORDER_FAILURE_REASON_PAYMENT_DECLINED},
        Case{"pm_test_timeout", pb::ORDER_FAILURE_REASON_PAYMENT_TIMEOUT},
        Case{"pm_test_error_after_charge", pb::ORDER_FAILURE_REASON_PAYMENT_ERROR}}) {
    INFO(c.token);
    Placed p = w.Place(*stub, kViewer, PassRequest(kStream, "k" + std::to_string(++n), c.token));
    REQUIRE(p.status.ok());
    CHECK(p.order.status() == pb::ORDER_STATUS_FAILED);
    CHECK(p.order.failure_reason() == c.reason);
    CHECK(w.Grants().empty());
    CHECK(w.f.provider.captured_total() == 0);
  }
  CHECK(w.f.Count("SELECT count(*) FROM orders WHERE status = 5") == 4);
  // The error after the charge left an authorization: it was voided, not kept.
  CHECK(w.f.Count("SELECT count(*) FROM orders WHERE payment_status = 5") == 2);
  CHECK(w.inventory.calls() == 0);
  Placed paid = w.Place(*stub, kViewer, PassRequest(kStream, "k-ok"));
  REQUIRE(paid.status.ok());
  CHECK(paid.order.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(w.Grants().size() == 1);
  CHECK(w.f.provider.captured_total() == 499);
}

TEST_CASE("a pending pass payment blocks a second purchase and is granted once settled", "[pass]") {
  World w;
  auto& app = w.AddApp();
  auto stub = app.Stub();
  Placed p = w.Place(*stub, kViewer, PassRequest(kStream, "k1", "pm_test_pending"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_PENDING_PAYMENT);
  Placed second = w.Place(*stub, kViewer, PassRequest(kStream, "k2"));
  CHECK(second.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK_THAT(Reason(second.status), Catch::Contains("ACCESS_PASS_PENDING"));
  CHECK(w.Grants().empty());

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  pb::CompletePlaceholderPaymentRequest settle;
  settle.set_payment_id(p.order.payment().id());
  settle.set_approve(true);
  pb::CompletePlaceholderPaymentResponse settled;
  grpc::Status s = app.InternalStub(w.f.pki().Of("realtime-push"))
                       ->CompletePlaceholderPayment(&ctx, settle, &settled);
  INFO(s.error_message());
  REQUIRE(s.ok());
  CHECK(settled.order().status() == pb::ORDER_STATUS_CONFIRMED);
  REQUIRE(w.Grants().size() == 1);
  CHECK(w.Grants()[0].pass.order_id() == p.order.id());
  CHECK(w.inventory.calls() == 0);
}

TEST_CASE("no pass is sold where there is nothing to buy, and nothing is stored", "[pass]") {
  World w;
  const std::string open = ids::NewId("str"), ended = ids::NewId("str"),
                    unknown = ids::NewId("str");
  w.streams.Put(open, kHost, false);
  w.streams.Put(ended, kHost, true, 499, "EUR", common::v1::STREAM_STATUS_ENDED);
  auto stub = w.AddApp().Stub();
  struct Case {
    std::string user, role, stream;
    grpc::StatusCode code;
    std::string reason;
  };
  for (const Case& c : {
           Case{kViewer, "viewer", unknown, grpc::NOT_FOUND, "STREAM_NOT_FOUND"},
           Case{kViewer, "viewer", open, grpc::FAILED_PRECONDITION, "STREAM_NOT_GATED"},
           Case{kViewer, "viewer", ended, grpc::FAILED_PRECONDITION, "STREAM_ENDED"},
           Case{kHost, "host", kStream, grpc::FAILED_PRECONDITION, "OWN_STREAM"},
           Case{"usr_admin", "admin", kStream, grpc::FAILED_PRECONDITION, "ALREADY_ENTITLED"},
       }) {
    INFO(c.reason);
    Placed p = w.Place(*stub, c.user, PassRequest(c.stream, "k1"), c.role);
    CHECK(p.status.error_code() == c.code);
    CHECK_THAT(Reason(p.status), Catch::Contains(c.reason));
  }
  // Bad input, told field by field.
  pb::PlaceOrderRequest with_address = PassRequest(kStream, "k1");
  with_address.mutable_shipping_address()->set_city("Paris");
  Placed addressed = w.Place(*stub, kViewer, with_address);
  CHECK(addressed.status.error_code() == grpc::INVALID_ARGUMENT);
  CHECK_THAT(Reason(addressed.status), Catch::Contains("SHIPPING_ADDRESS_NOT_ALLOWED"));
  Placed bad_id = w.Place(*stub, kViewer, PassRequest("stream-1", "k1"));
  CHECK(bad_id.status.error_code() == grpc::INVALID_ARGUMENT);
  CHECK_THAT(Reason(bad_id.status), Catch::Contains("ID_INVALID"));

  // video-ingest down: UNAVAILABLE, nothing stored; the same key then buys the pass.
  w.streams.SetDown(true);
  Placed down = w.Place(*stub, kViewer, PassRequest(kStream, "k1"));
  CHECK(down.status.error_code() == grpc::UNAVAILABLE);
  CHECK_THAT(Reason(down.status), Catch::Contains("STREAMS_UNAVAILABLE"));
  CHECK(w.f.Count("SELECT count(*) FROM orders") == 0);
  CHECK(w.f.Count("SELECT count(*) FROM idempotency_keys") == 0);
  CHECK(w.f.provider.authorize_calls() == 0);
  w.streams.SetDown(false);
  Placed p = w.Place(*stub, kViewer, PassRequest(kStream, "k1"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_CONFIRMED);
}

TEST_CASE("after the show a pass is sold for its kept replay, and granted like a live one",
          "[pass]") {
  World w;
  const std::string kept = ids::NewId("str"), dropped = ids::NewId("str");
  w.streams.Put(kept, kHost, true, 799, "EUR", common::v1::STREAM_STATUS_ENDED);
  w.streams.Put(dropped, kHost, true, 799, "EUR", common::v1::STREAM_STATUS_ENDED);
  w.replays.SetKept(kept, true);
  auto stub = w.AddApp().Stub();

  // A live show never asks recording-lifecycle.
  REQUIRE(w.Place(*stub, kViewer, PassRequest(kStream, "live")).status.ok());
  CHECK(w.replays.asks() == 0);

  Placed none = w.Place(*stub, kViewer, PassRequest(dropped, "k0"));
  CHECK(none.status.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(Reason(none.status), Catch::Contains("STREAM_ENDED"));

  // recording-lifecycle down: UNAVAILABLE, nothing stored; the same key buys it afterwards.
  w.replays.SetDown(true);
  Placed down = w.Place(*stub, kViewer, PassRequest(kept, "k1"));
  CHECK(down.status.error_code() == grpc::UNAVAILABLE);
  CHECK_THAT(Reason(down.status), Catch::Contains("RECORDINGS_UNAVAILABLE"));
  CHECK(w.f.Count("SELECT count(*) FROM orders WHERE stream_id = '" + kept + "'") == 0);
  w.replays.SetDown(false);

  Placed p = w.Place(*stub, kViewer, PassRequest(kept, "k1"));
  INFO(p.status.error_message());
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_CONFIRMED);
  CHECK(p.order.total().amount_minor() == 799);
  CHECK(p.order.seller_id() == kHost);
  int grants = 0;
  for (const auto& g : w.Grants()) grants += g.pass.stream_id() == kept;
  CHECK(grants == 1);
  // Once held, not sold again.
  Placed again = w.Place(*stub, kViewer, PassRequest(kept, "k2"));
  CHECK(again.status.error_code() == grpc::FAILED_PRECONDITION);
  CHECK_THAT(Reason(again.status), Catch::Contains("ALREADY_ENTITLED"));
}

TEST_CASE("a pass checkout cut off before its capture is finished by the next process, once",
          "[pass][recovery]") {
  World w;
  AppOverrides crashing;
  crashing.no_recovery = true;
  crashing.crash_after = [](const std::string&, const std::string& next) {
    return next == "capture";
  };
  auto short_lease = [](Config& c) { c.saga_lease = absl::Seconds(1); };
  auto& first = w.AddApp(crashing, short_lease);
  Placed p = w.Place(*first.Stub(), kViewer, PassRequest(kStream, "k1"));
  REQUIRE(p.status.ok());
  CHECK(p.order.status() == pb::ORDER_STATUS_PENDING_PAYMENT);
  CHECK(w.Grants().empty());
  w.f.DropReplica(first);

  auto stub = w.AddApp({}, short_lease).Stub();
  const std::string token = w.f.TokenFor(kViewer);
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        grpc::ClientContext ctx;
        Prepare(ctx, token);
        pb::GetOrderRequest get;
        get.set_order_id(p.order.id());
        pb::GetOrderResponse got;
        return stub->GetOrder(&ctx, get, &got).ok() &&
               got.order().status() == pb::ORDER_STATUS_CONFIRMED;
      },
      absl::Seconds(30)));
  CHECK(w.f.provider.authorizations() == 1);
  CHECK(w.f.provider.captured_total() == 499);
  CHECK(w.Grants().size() == 1);
  CHECK(w.inventory.calls() == 0);
}

}  // namespace
}  // namespace shopcast::order::testing
