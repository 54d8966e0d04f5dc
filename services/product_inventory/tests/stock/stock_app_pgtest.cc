// The stock area through the whole App: gRPC in, PostgreSQL underneath, room events in the
// outbox.

#include <atomic>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "google/protobuf/util/message_differencer.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/testing/wait.h"
#include "stock_client.h"

namespace shopcast::product_inventory::testing {
namespace {

TEST_CASE("stock app: a new product's stock, and a hold reserved, released, committed, returned") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  StockWorld w(f, replica);
  auto order = InternalStub(f, replica);
  const std::string buyer = f.TokenFor("usr_buyer", "viewer");

  pb::Product p = w.Product(10, "p1");
  REQUIRE(p.has_stock());
  CHECK(p.stock().total() == 10);
  CHECK(p.stock().available() == 10);
  pb::Stock s = w.StockOf(p.id());
  CHECK(s.total() == 10);
  CHECK(s.available() == 10);

  auto held = w.Reserve(buyer, p.id(), 3, "k1");
  REQUIRE(held.status.ok());
  const pb::Reservation& r = held.response.reservation();
  CHECK(r.status() == pb::RESERVATION_STATUS_HELD);
  CHECK(r.buyer_id() == "usr_buyer");
  CHECK(r.seller_id() == "usr_host");
  CHECK(r.quantity() == 3);
  CHECK(r.unit_price().amount_minor() == 4500);
  CHECK(held.response.stock().available() == 7);
  // Default hold: 5 minutes.
  CHECK(r.expires_at().seconds() - r.created_at().seconds() == 300);

  // Idempotent: the same key answers with the same hold, nothing more is taken.
  auto again = w.Reserve(buyer, p.id(), 3, "k1");
  REQUIRE(again.status.ok());
  CHECK(again.response.reservation().id() == r.id());
  CHECK(w.StockOf(p.id()).available() == 7);

  // The buyer and the seller see it; the buyer's cart lists it.
  pb::GetReservationRequest get;
  get.set_reservation_id(r.id());
  CHECK(CallOn(w.stub(), &Stub::GetReservation, buyer, get).status.ok());
  CHECK(CallOn(w.stub(), &Stub::GetReservation, w.catalog().host(), get).status.ok());
  pb::ListMyReservationsRequest mine;
  auto cart = CallOn(w.stub(), &Stub::ListMyReservations, buyer, mine);
  REQUIRE(cart.status.ok());
  REQUIRE(cart.response.reservations_size() == 1);
  CHECK(cart.response.reservations(0).id() == r.id());

  // Released by the buyer, twice: the units are back once.
  pb::ReleaseReservationRequest release;
  release.set_reservation_id(r.id());
  for (int i = 0; i < 2; ++i) {
    auto rel = CallOn(w.stub(), &Stub::ReleaseReservation, buyer, release);
    REQUIRE(rel.status.ok());
    CHECK(rel.response.reservation().status() == pb::RESERVATION_STATUS_RELEASED);
  }
  CHECK(w.StockOf(p.id()).available() == 10);

  // A second hold is committed by the order service, twice, then returned, twice.
  auto second = w.Reserve(buyer, p.id(), 2, "k2");
  REQUIRE(second.status.ok());
  const std::string hold = second.response.reservation().id();
  pb::GetReservationForCheckoutRequest checkout;
  checkout.set_reservation_id(hold);
  checkout.set_buyer_id("usr_buyer");
  auto facts = CallOn(*order, &Internal::GetReservationForCheckout, std::string(), checkout);
  REQUIRE(facts.status.ok());
  CHECK(facts.response.product().id() == p.id());
  CHECK(facts.response.shipping_profile().id() == p.shipping_profile_id());

  pb::CommitReservationRequest commit;
  commit.set_reservation_id(hold);
  commit.set_order_id("ord_1");
  for (int i = 0; i < 2; ++i) {
    auto c = CallOn(*order, &Internal::CommitReservation, std::string(), commit);
    REQUIRE(c.status.ok());
    CHECK(c.response.reservation().status() == pb::RESERVATION_STATUS_COMMITTED);
    CHECK(c.response.stock().sold() == 2);
    CHECK(c.response.stock().available() == 8);
  }
  pb::ReturnCommittedStockRequest ret;
  ret.set_reservation_id(hold);
  ret.set_order_id("ord_1");
  for (int i = 0; i < 2; ++i) {
    auto back = CallOn(*order, &Internal::ReturnCommittedStock, std::string(), ret);
    REQUIRE(back.status.ok());
    CHECK(back.response.stock().sold() == 0);
    CHECK(back.response.stock().available() == 10);
  }
  CHECK(w.InvariantHolds(p.id()));

  // Restock and write-off by the owner.
  pb::AdjustStockRequest adjust;
  adjust.set_product_id(p.id());
  adjust.set_delta(5);
  adjust.set_idempotency_key("restock-1");
  auto more = CallOn(w.stub(), &Stub::AdjustStock, w.catalog().host(), adjust);
  REQUIRE(more.status.ok());
  CHECK(more.response.stock().total() == 15);
  adjust.set_delta(-15);
  adjust.set_idempotency_key("writeoff-1");
  auto none = CallOn(w.stub(), &Stub::AdjustStock, w.catalog().admin(), adjust);
  REQUIRE(none.status.ok());
  CHECK(none.response.stock().total() == 0);

  // A retried restock is applied once; its key with another delta is refused.
  adjust.set_delta(4);
  adjust.set_idempotency_key("restock-2");
  for (int i = 0; i < 2; ++i) {
    auto retried = CallOn(w.stub(), &Stub::AdjustStock, w.catalog().host(), adjust);
    REQUIRE(retried.status.ok());
    CHECK(retried.response.stock().total() == 4);
  }
  adjust.set_delta(6);
  auto reused = CallOn(w.stub(), &Stub::AdjustStock, w.catalog().host(), adjust);
  CHECK(reused.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ReasonOf(reused.status) == "IDEMPOTENCY_KEY_REUSED");
  CHECK(w.StockOf(p.id()).total() == 4);
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("stock app: an order's checkout lock keeps the hold its own until it commits") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  StockWorld w(f, replica);
  auto order = InternalStub(f, replica);
  const std::string buyer = f.TokenFor("usr_buyer", "viewer");
  pb::Product p = w.Product(10, "p1");
  auto held = w.Reserve(buyer, p.id(), 2, "k1");
  REQUIRE(held.status.ok());
  const std::string hold = held.response.reservation().id();

  pb::LockReservationForCheckoutRequest lock;
  lock.set_reservation_id(hold);
  lock.set_order_id("ord_1");
  lock.mutable_lock_duration()->set_seconds(600);
  auto locked = CallOn(*order, &Internal::LockReservationForCheckout, std::string(), lock);
  REQUIRE(locked.status.ok());
  const pb::Reservation& r = locked.response.reservation();
  CHECK(r.status() == pb::RESERVATION_STATUS_IN_CHECKOUT);
  CHECK(r.order_id() == "ord_1");
  CHECK(r.lock_expires_at().seconds() > r.created_at().seconds() + 590);
  CHECK(r.expires_at().seconds() == r.lock_expires_at().seconds());

  // The cart shows it in checkout; the buyer cannot release it; another order cannot take it.
  pb::ListMyReservationsRequest mine;
  mine.add_statuses(pb::RESERVATION_STATUS_IN_CHECKOUT);
  auto cart = CallOn(w.stub(), &Stub::ListMyReservations, buyer, mine);
  REQUIRE(cart.status.ok());
  REQUIRE(cart.response.reservations_size() == 1);
  CHECK(cart.response.reservations(0).status() == pb::RESERVATION_STATUS_IN_CHECKOUT);
  pb::ReleaseReservationRequest release;
  release.set_reservation_id(hold);
  auto refused = CallOn(w.stub(), &Stub::ReleaseReservation, buyer, release);
  CHECK(refused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(refused.status) == "RESERVATION_IN_CHECKOUT");
  pb::CommitReservationRequest commit;
  commit.set_reservation_id(hold);
  commit.set_order_id("ord_2");
  CHECK(ReasonOf(CallOn(*order, &Internal::CommitReservation, std::string(), commit).status) ==
        "RESERVATION_IN_CHECKOUT");
  pb::ReleaseReservationForOrderRequest give_back;
  give_back.set_reservation_id(hold);
  give_back.set_order_id("ord_2");
  CHECK(ReasonOf(CallOn(*order, &Internal::ReleaseReservationForOrder, std::string(), give_back)
                     .status) == "RESERVATION_IN_CHECKOUT");
  lock.mutable_lock_duration()->set_seconds(5);
  CHECK(
      ReasonOf(CallOn(*order, &Internal::LockReservationForCheckout, std::string(), lock).status) ==
      "LOCK_DURATION_OUT_OF_RANGE");

  commit.set_order_id("ord_1");
  auto sold = CallOn(*order, &Internal::CommitReservation, std::string(), commit);
  REQUIRE(sold.status.ok());
  CHECK(sold.response.reservation().status() == pb::RESERVATION_STATUS_COMMITTED);
  CHECK(sold.response.reservation().order_id() == "ord_1");
  CHECK(w.StockOf(p.id()).sold() == 2);
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("stock app: the per-user limit counts holds and purchases together") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  StockWorld w(f, replica);
  auto order = InternalStub(f, replica);
  const std::string buyer = f.TokenFor("usr_buyer", "viewer");
  pb::Product p = w.Product(10, "p1", [](pb::CreateProductRequest& req) {
    req.mutable_product()->mutable_purchase_limit()->set_max_quantity_per_user(3);
  });

  auto first = w.Reserve(buyer, p.id(), 2, "a");
  REQUIRE(first.status.ok());
  pb::CommitReservationRequest commit;
  commit.set_reservation_id(first.response.reservation().id());
  commit.set_order_id("ord_1");
  REQUIRE(CallOn(*order, &Internal::CommitReservation, std::string(), commit).status.ok());

  auto over = w.Reserve(buyer, p.id(), 2, "b");
  CHECK(over.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(ReasonOf(over.status) == "PURCHASE_LIMIT_REACHED");
  CHECK(MetadataOf(over.status, "limit-remaining") == "1");
  CHECK(w.Reserve(buyer, p.id(), 1, "c").status.ok());
  CHECK(ReasonOf(w.Reserve(buyer, p.id(), 1, "d").status) == "PURCHASE_LIMIT_REACHED");
  // Another buyer has their own allowance.
  CHECK(w.Reserve(f.TokenFor("usr_other_buyer", "viewer"), p.id(), 3, "a").status.ok());
  CHECK(w.StockOf(p.id()).available() == 4);
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("stock app: an expired hold's units are available again without anyone releasing it") {
  AppFixture f;
  // The stock area's clock, moved by the test (holds last at least a minute).
  auto offset = std::make_shared<std::atomic<int64_t>>(0);
  AppOverrides overrides;
  overrides.stock_clock = [offset] { return absl::Now() + absl::Seconds(offset->load()); };
  Replica& replica = f.AddReplica(nullptr, overrides);
  StockWorld w(f, replica);
  const std::string buyer = f.TokenFor("usr_buyer", "viewer");
  pb::Product p = w.Product(5, "p1", [](pb::CreateProductRequest& req) {
    req.mutable_product()->mutable_hold_duration()->set_seconds(60);
  });
  auto held = w.Reserve(buyer, p.id(), 5, "k");
  REQUIRE(held.status.ok());
  CHECK(held.response.stock().available() == 0);
  CHECK(ReasonOf(w.Reserve(f.TokenFor("usr_late", "viewer"), p.id(), 1, "k").status) == "SOLD_OUT");

  offset->store(61);
  CHECK(w.StockOf(p.id()).available() == 5);
  pb::GetReservationRequest get;
  get.set_reservation_id(held.response.reservation().id());
  auto r = CallOn(w.stub(), &Stub::GetReservation, buyer, get);
  REQUIRE(r.status.ok());
  CHECK(r.response.reservation().status() == pb::RESERVATION_STATUS_EXPIRED);
  // Someone else can buy them now; the expired hold cannot be committed.
  CHECK(w.Reserve(f.TokenFor("usr_late", "viewer"), p.id(), 5, "k2").status.ok());
  auto order = InternalStub(f, replica);
  pb::CommitReservationRequest commit;
  commit.set_reservation_id(held.response.reservation().id());
  commit.set_order_id("ord_1");
  auto late = CallOn(*order, &Internal::CommitReservation, std::string(), commit);
  CHECK(late.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(late.status) == "RESERVATION_EXPIRED");
  CHECK(w.InvariantHolds(p.id()));
}

TEST_CASE("stock app: hundreds of concurrent Reserve calls never oversell, few coalesced events") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  StockWorld w(f, replica);
  const std::string stream = f.AddStream("usr_host");
  pb::Product p = w.Product(50, "p1", [&](pb::CreateProductRequest& req) {
    req.mutable_product()->set_stream_id(stream);
  });
  const int64_t outbox_before = f.Count("SELECT count(*) FROM outbox");

  constexpr int kBuyers = 300;
  constexpr int kThreads = 12;
  std::vector<std::string> tokens;
  for (int i = 0; i < kBuyers; ++i) {
    tokens.push_back(f.TokenFor("usr_b" + std::to_string(i), "viewer"));
  }
  std::atomic<int> granted{0}, sold_out{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = replica.Stub();
      for (int i = t; i < kBuyers; i += kThreads) {
        pb::ReserveRequest req;
        req.set_product_id(p.id());
        req.set_quantity(1);
        req.set_idempotency_key("k");
        auto r = CallOn(*stub, &Stub::Reserve, tokens[i], req);
        if (r.status.ok()) {
          ++granted;
        } else if (ReasonOf(r.status) == "SOLD_OUT") {
          ++sold_out;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(granted == 50);
  CHECK(sold_out == kBuyers - 50);
  CHECK(other == 0);
  CHECK(f.Count("SELECT count(*) FROM holds WHERE product_id = '" + p.id() + "'") == 50);
  CHECK(w.StockOf(p.id()).available() == 0);
  CHECK(w.InvariantHolds(p.id()));

  // The room hears of it coalesced: far fewer events than buyers, the last one the final
  // stock (sold out).
  const std::string last_sql =
      "SELECT count(*) FROM outbox WHERE type LIKE 'product_inventory.stock_%' AND aggregate_id = "
      "'" +
      stream + "'";
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        pqxx::connection c(f.dsn());
        pqxx::work tx(c);
        pqxx::result r = tx.exec(
            "SELECT payload FROM outbox WHERE type LIKE 'product_inventory.stock_%' "
            "ORDER BY id DESC LIMIT 1");
        if (r.empty()) return false;
        common::v1::Event e;
        const pqxx::binarystring bytes(r[0][0]);
        if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
        realtime_push::v1::RoomEvent room;
        if (!e.payload().UnpackTo(&room)) return false;
        return room.stock_changed().product_id() == p.id() &&
               room.stock_changed().available() == 0 && room.stock_changed().sold_out() &&
               room.stock_changed().held() == 50;
      },
      absl::Seconds(30)));
  const int64_t events = f.Count(last_sql);
  CHECK(events >= 1);
  CHECK(events <= 40);  // A few per second at most; 300 buyers never mean 300 events.
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'product_inventory.stock_sold_out'") ==
        1);
  CHECK(f.Count("SELECT count(*) FROM outbox") - outbox_before == events);
}

// The stock of `product` announced last in the outbox (a StockChanged room event); unset
// revision when there is none.
realtime_push::v1::StockChanged LastAnnounced(const AppFixture& f, const std::string& product) {
  pqxx::connection c(f.dsn());
  pqxx::work tx(c);
  realtime_push::v1::StockChanged last;
  for (const auto& row : tx.exec("SELECT payload FROM outbox WHERE type LIKE "
                                 "'product_inventory.stock_%' ORDER BY id")) {
    common::v1::Event e;
    const pqxx::binarystring bytes(row[0]);
    realtime_push::v1::RoomEvent room;
    if (e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
        e.payload().UnpackTo(&room) && room.stock_changed().product_id() == product) {
      last = room.stock_changed();
    }
  }
  return last;
}

TEST_CASE("stock app: a starting process announces the stock its crashed predecessor did not") {
  // Found by the fault suite (tests/faults): product-inventory SIGKILLed right after a sale
  // lost the sale's in-memory announcement, and the room showed the old stock for the rest of
  // the show because the product did not change again.
  AppFixture f;
  Replica& first = f.AddReplica();
  StockWorld w(f, first);
  const std::string live = f.AddStream("usr_host");
  const std::string ended = f.AddStream("usr_host");
  auto on = [](const std::string& stream) {
    return
        [stream](pb::CreateProductRequest& req) { req.mutable_product()->set_stream_id(stream); };
  };
  pb::Product shown = w.Product(50, "live", on(live));
  pb::Product gone = w.Product(50, "gone", on(ended));
  f.EndStream(first, ended, "evt_ended_1");
  // A committed change whose announcement died with the process that made it.
  {
    pqxx::connection c(f.dsn());
    pqxx::work tx(c);
    tx.exec(
        "UPDATE stock SET total = total + 7, revision = revision + 1, updated_at = now() "
        "WHERE product_id IN ('" +
        shown.id() + "', '" + gone.id() + "')");
    tx.commit();
  }
  const int64_t gone_events = f.Count(
      "SELECT count(*) FROM outbox WHERE type LIKE 'product_inventory.stock_%' AND "
      "position(convert_to('" +
      gone.id() + "', 'UTF8') in payload) > 0");
  f.AddReplica();  // the process that starts in its place
  REQUIRE(shopcast::testing::WaitUntil([&] { return LastAnnounced(f, shown.id()).total() == 57; },
                                       absl::Seconds(30)));
  const realtime_push::v1::StockChanged now = LastAnnounced(f, shown.id());
  CHECK(now.available() == 57);
  CHECK(now.sold() == 0);
  // A product of an ended stream has no room to tell.
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type LIKE 'product_inventory.stock_%' AND "
                "position(convert_to('" +
                gone.id() + "', 'UTF8') in payload) > 0") == gone_events);
}

TEST_CASE("stock app: bad input is refused with its reason and changes nothing") {
  AppFixture f;
  Replica& replica = f.AddReplica();
  StockWorld w(f, replica);
  const std::string buyer = f.TokenFor("usr_buyer", "viewer");
  const std::string other = f.TokenFor("usr_other_buyer", "viewer");
  pb::Product p = w.Product(10, "p1");
  auto held = w.Reserve(buyer, p.id(), 1, "k");
  REQUIRE(held.status.ok());
  const std::string hold = held.response.reservation().id();
  const int64_t holds_before = f.Count("SELECT count(*) FROM holds");
  const pb::Stock before = w.StockOf(p.id());

  struct Case {
    const char* name;
    grpc::StatusCode code;
    std::string reason;
    std::function<grpc::Status()> call;
  };
  auto reserve = [&](const std::string& token, const std::string& product, int qty,
                     const std::string& key) {
    return [&, token, product, qty, key] { return w.Reserve(token, product, qty, key).status; };
  };
  std::vector<Case> cases = {
      {"zero quantity", grpc::StatusCode::INVALID_ARGUMENT, "QUANTITY_OUT_OF_RANGE",
       reserve(buyer, p.id(), 0, "z")},
      {"negative quantity", grpc::StatusCode::INVALID_ARGUMENT, "QUANTITY_OUT_OF_RANGE",
       reserve(buyer, p.id(), -3, "n")},
      {"huge quantity", grpc::StatusCode::INVALID_ARGUMENT, "QUANTITY_OUT_OF_RANGE",
       reserve(buyer, p.id(), 2000000000, "h")},
      {"missing idempotency key", grpc::StatusCode::INVALID_ARGUMENT, "IDEMPOTENCY_KEY_INVALID",
       reserve(buyer, p.id(), 1, "")},
      {"unknown product", grpc::StatusCode::NOT_FOUND, "PRODUCT_NOT_FOUND",
       reserve(buyer, "prd_AAAAAAAAAAAAAAAAAAAAAA", 1, "u")},
      {"malformed product id", grpc::StatusCode::NOT_FOUND, "PRODUCT_NOT_FOUND",
       reserve(buyer, "nonsense", 1, "m")},
      {"more than is left", grpc::StatusCode::RESOURCE_EXHAUSTED, "INSUFFICIENT_STOCK",
       reserve(buyer, p.id(), 10, "big")},
      {"the seller buying", grpc::StatusCode::PERMISSION_DENIED, "SELLER_CANNOT_BUY",
       reserve(w.catalog().host(), p.id(), 1, "s")},
      {"no token", grpc::StatusCode::UNAUTHENTICATED, "", reserve("", p.id(), 1, "t")},
      {"someone else's hold released", grpc::StatusCode::PERMISSION_DENIED, "NOT_RESERVATION_OWNER",
       [&] {
         pb::ReleaseReservationRequest req;
         req.set_reservation_id(hold);
         return CallOn(w.stub(), &Stub::ReleaseReservation, other, req).status;
       }},
      {"someone else's hold read", grpc::StatusCode::PERMISSION_DENIED, "NOT_RESERVATION_OWNER",
       [&] {
         pb::GetReservationRequest req;
         req.set_reservation_id(hold);
         return CallOn(w.stub(), &Stub::GetReservation, other, req).status;
       }},
      {"a viewer adjusting stock", grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED",
       [&] {
         pb::AdjustStockRequest req;
         req.set_product_id(p.id());
         req.set_delta(5);
         req.set_idempotency_key("a");
         return CallOn(w.stub(), &Stub::AdjustStock, buyer, req).status;
       }},
      {"another host adjusting stock", grpc::StatusCode::PERMISSION_DENIED, "NOT_PRODUCT_OWNER",
       [&] {
         pb::AdjustStockRequest req;
         req.set_product_id(p.id());
         req.set_delta(5);
         req.set_idempotency_key("a");
         return CallOn(w.stub(), &Stub::AdjustStock, w.catalog().other_host(), req).status;
       }},
      {"zero delta", grpc::StatusCode::INVALID_ARGUMENT, "DELTA_ZERO",
       [&] {
         pb::AdjustStockRequest req;
         req.set_product_id(p.id());
         req.set_idempotency_key("a");
         return CallOn(w.stub(), &Stub::AdjustStock, w.catalog().host(), req).status;
       }},
      {"writing off held units", grpc::StatusCode::FAILED_PRECONDITION,
       "INSUFFICIENT_AVAILABLE_STOCK",
       [&] {
         pb::AdjustStockRequest req;
         req.set_product_id(p.id());
         req.set_delta(-10);
         req.set_idempotency_key("a");
         return CallOn(w.stub(), &Stub::AdjustStock, w.catalog().host(), req).status;
       }},
      {"too many ids", grpc::StatusCode::INVALID_ARGUMENT, "TOO_MANY_IDS",
       [&] {
         pb::GetStockRequest req;
         for (int i = 0; i < 101; ++i) req.add_product_ids(p.id());
         return CallOn(w.stub(), &Stub::GetStock, std::string(), req).status;
       }},
      {"a note with a control character", grpc::StatusCode::INVALID_ARGUMENT, "NOTE_INVALID",
       [&] {
         pb::AdjustStockRequest req;
         req.set_product_id(p.id());
         req.set_delta(1);
         req.set_idempotency_key("n");
         req.set_note(std::string("restock\0from the back", 22));
         return CallOn(w.stub(), &Stub::AdjustStock, w.catalog().host(), req).status;
       }},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    grpc::Status s = c.call();
    CHECK(s.error_code() == c.code);
    if (!c.reason.empty()) CHECK(ReasonOf(s) == c.reason);
  }
  CHECK(f.Count("SELECT count(*) FROM holds") == holds_before);
  CHECK(google::protobuf::util::MessageDifferencer::Equals(w.StockOf(p.id()), before));
  CHECK(f.Count("SELECT count(*) FROM stock_adjustments WHERE idempotency_key = 'n'") == 0);
  // Malformed ids name no product: left out like unknown ones, with the real one answered.
  {
    pb::GetStockRequest req;
    req.add_product_ids(std::string("prd_\0", 5));
    req.add_product_ids("not an id");
    req.add_product_ids(p.id());
    auto got = CallOn(w.stub(), &Stub::GetStock, std::string(), req);
    REQUIRE(got.status.ok());
    REQUIRE(got.response.stocks_size() == 1);
    CHECK(got.response.stocks(0).product_id() == p.id());
    pb::GetStockRequest only_bad;
    only_bad.add_product_ids(std::string("prd_\0", 5));
    CHECK(CallOn(w.stub(), &Stub::GetStock, std::string(), only_bad).status.ok());
  }
  CHECK(MetadataOf(w.Reserve(buyer, p.id(), 10, "big").status, "stock-available") == "9");

  // The order service's RPCs are not on the public port.
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(replica.host().grpc_port()),
                                     grpc::InsecureChannelCredentials());
  auto internal_on_public = pb::ProductInventoryInternalService::NewStub(channel);
  pb::CommitReservationRequest commit;
  commit.set_reservation_id(hold);
  commit.set_order_id("ord_1");
  auto sneaky = CallOn(*internal_on_public, &Internal::CommitReservation, buyer, commit);
  CHECK(sneaky.status.error_code() == grpc::StatusCode::UNIMPLEMENTED);
  CHECK(f.Count("SELECT count(*) FROM holds WHERE state = 'committed'") == 0);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
