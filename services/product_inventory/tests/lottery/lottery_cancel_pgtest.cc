// A lottery's end other than its draw, and what a running one protects, through whole App
// replicas over real PostgreSQL: the host cancels (units back, entries marked, room told,
// idempotent; a drawn one refuses), the stream's end cancels the open ones and draws the one
// whose window is over, archiving and write-offs that would break a running lottery are
// refused, and a winner's hold names its lottery and, once an order gives it back, why.

#include <catch2/catch.hpp>
#include <thread>

#include "google/protobuf/field_mask.pb.h"
#include "lottery_client.h"
#include "shopcast/testing/wait.h"

namespace shopcast::product_inventory::testing {
namespace {

namespace rp = ::shopcast::realtime_push::v1;

Result<pb::ArchiveProductResponse> Archive(Lotteries& w, const std::string& product) {
  pb::ArchiveProductRequest req;
  req.set_product_id(product);
  return CallOn(w.stub(), &Stub::ArchiveProduct, w.c().host(), req);
}

Result<pb::AdjustStockResponse> Adjust(Lotteries& w, const std::string& product, int64_t delta,
                                       const std::string& key) {
  pb::AdjustStockRequest req;
  req.set_product_id(product);
  req.set_delta(delta);
  req.set_idempotency_key(key);
  return CallOn(w.stub(), &Stub::AdjustStock, w.c().host(), req);
}

pb::Reservation ReservationOf(Lotteries& w, const std::string& token, const std::string& id) {
  pb::GetReservationRequest req;
  req.set_reservation_id(id);
  auto r = CallOn(w.stub(), &Stub::GetReservation, token, req);
  if (!r.status.ok()) throw std::runtime_error("reservation: " + r.status.error_message());
  return r.response.reservation();
}

std::vector<rp::LotteryCancelled> CancelledEvents(Lotteries& w) {
  std::vector<rp::LotteryCancelled> out;
  for (const auto& e : w.RoomEvents()) {
    if (e.has_lottery_cancelled()) out.push_back(e.lottery_cancelled());
  }
  return out;
}

TEST_CASE("lottery cancel: the host calls off an open lottery, units back and entries marked") {
  AppFixture f;
  Replica& r = f.AddReplica();
  Lotteries w(f, r);
  const pb::Product product = w.StreamProduct(20);
  const pb::Lottery started = w.Start(product.id(), 5, 600);
  for (const char* u : {"usr_e1", "usr_e2", "usr_e3"}) {
    REQUIRE(w.Enter(f.TokenFor(u, "viewer"), started.id()).status.ok());
  }
  CHECK(w.StockOf(product.id()).total() == 15);

  // Who may not: a viewer, another host. Nothing changes.
  const std::string before = w.Fingerprint();
  auto viewer = w.Cancel(f.TokenFor("usr_e1", "viewer"), started.id());
  CHECK(viewer.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ReasonOf(viewer.status) == "ROLE_REQUIRED");
  auto other = w.Cancel(w.c().other_host(), started.id());
  CHECK(other.status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(ReasonOf(other.status) == "NOT_LOTTERY_OWNER");
  CHECK(ReasonOf(w.Cancel(w.c().host(), "lot_nope").status) == "LOTTERY_NOT_FOUND");
  CHECK(ReasonOf(w.Cancel(w.c().host(), "").status) == "ID_REQUIRED");
  CHECK(w.Fingerprint() == before);

  auto cancelled = w.Cancel(w.c().host(), started.id());
  REQUIRE(cancelled.status.ok());
  const pb::Lottery& l = cancelled.response.lottery();
  CHECK(l.status() == pb::LOTTERY_STATUS_CANCELLED);
  CHECK(l.cancel_reason() == "HOST_CANCELLED");
  CHECK(l.has_cancelled_at());
  CHECK(l.version() == started.version() + 1);
  CHECK(l.entrant_count() == 3);
  CHECK(l.winners_size() == 0);
  CHECK_FALSE(l.has_audit());  // nothing drawn: the seed stays secret
  // The five units are on sale again; the invariant held throughout.
  const pb::Stock stock = w.StockOf(product.id());
  CHECK(stock.total() == 20);
  CHECK(stock.available() == 20);
  CHECK(w.InvariantHolds(product.id()));
  CHECK(f.Count("SELECT count(*) FROM lottery_entries WHERE cancelled_at IS NOT NULL") == 3);
  CHECK(f.Count("SELECT count(*) FROM holds") == 0);

  // The room heard it, once, with the lottery's new version.
  std::vector<rp::LotteryCancelled> events = CancelledEvents(w);
  REQUIRE(events.size() == 1);
  CHECK(events[0].reason() == "HOST_CANCELLED");
  CHECK(events[0].lottery().lottery_id() == started.id());
  CHECK(events[0].lottery().cancelled());
  CHECK_FALSE(events[0].lottery().drawn());
  CHECK(events[0].lottery().entrant_count() == 3);
  CHECK(events[0].lottery().version() == l.version());

  // Idempotent: again answers the same lottery and changes nothing.
  const std::string after = w.Fingerprint();
  auto again = w.Cancel(w.c().host(), started.id());
  REQUIRE(again.status.ok());
  CHECK(again.response.lottery().status() == pb::LOTTERY_STATUS_CANCELLED);
  CHECK(again.response.lottery().version() == l.version());
  CHECK(again.response.lottery().cancelled_at().seconds() == l.cancelled_at().seconds());
  // An admin may cancel too; on a cancelled one it is the same answer.
  CHECK(w.Cancel(w.c().admin(), started.id()).status.ok());
  CHECK(w.Fingerprint() == after);
  CHECK(CancelledEvents(w).size() == 1);

  // No entries, no draw.
  auto late = w.Enter(f.TokenFor("usr_e4", "viewer"), started.id());
  CHECK(late.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(late.status) == "LOTTERY_CANCELLED");
  CHECK(ReasonOf(w.Draw(w.c().host(), started.id()).status) == "LOTTERY_CANCELLED");
  CHECK(w.Fingerprint() == after);
  // GetLottery shows it; the product may run another lottery now.
  CHECK(w.Get(started.id()).status() == pb::LOTTERY_STATUS_CANCELLED);
  CHECK(w.Get(started.id()).cancel_reason() == "HOST_CANCELLED");
  const pb::Lottery next = w.Start(product.id(), 2, 600);
  CHECK(next.status() == pb::LOTTERY_STATUS_OPEN);
  CHECK(w.StockOf(product.id()).total() == 18);
  // An admin calls off someone else's running lottery.
  auto by_admin = w.Cancel(w.c().admin(), next.id());
  REQUIRE(by_admin.status.ok());
  CHECK(by_admin.response.lottery().status() == pb::LOTTERY_STATUS_CANCELLED);
  CHECK(w.StockOf(product.id()).total() == 20);
}

TEST_CASE(
    "lottery cancel: a drawn lottery refuses, its winner's hold names it and an order's "
    "release keeps its reason") {
  AppFixture f;
  Replica& r = f.AddReplica();
  Lotteries w(f, r);
  const pb::Product product = w.StreamProduct(4);
  const pb::Lottery started = w.Start(product.id(), 1, 10);
  const std::string winner_token = f.TokenFor("usr_w1", "viewer");
  REQUIRE(w.Enter(winner_token, started.id()).status.ok());
  REQUIRE(shopcast::testing::WaitUntil([&] { return w.Drawn(started.id()); }, absl::Seconds(40)));
  const pb::Lottery drawn = w.Get(started.id());
  REQUIRE(drawn.winners_size() == 1);

  const std::string before = w.Fingerprint();
  auto refused = w.Cancel(w.c().host(), started.id());
  CHECK(refused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(refused.status) == "LOTTERY_ALREADY_DRAWN");
  CHECK(w.Fingerprint() == before);
  CHECK(w.Get(started.id()).status() == pb::LOTTERY_STATUS_DRAWN);

  // The hold says where it came from.
  const std::string hold_id = drawn.winners(0).reservation_id();
  pb::Reservation hold = ReservationOf(w, winner_token, hold_id);
  CHECK(hold.source() == pb::RESERVATION_SOURCE_LOTTERY);
  CHECK(hold.lottery_id() == started.id());
  CHECK(hold.auction_id().empty());
  CHECK(hold.release_reason().empty());

  // The order gives it back: a malformed reason is refused with nothing changed, then the
  // reason is kept; a repeat with another reason keeps the first.
  auto order = InternalStub(f, r);
  pb::ReleaseReservationForOrderRequest release;
  release.set_reservation_id(hold_id);
  release.set_order_id("ord_1");
  release.set_reason("payment declined");
  auto bad = CallOn(*order, &Internal::ReleaseReservationForOrder, std::string(), release);
  CHECK(bad.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ReasonOf(bad.status) == "RELEASE_REASON_INVALID");
  CHECK(ReservationOf(w, winner_token, hold_id).status() == pb::RESERVATION_STATUS_HELD);
  release.set_reason("PAYMENT_DECLINED");
  auto released = CallOn(*order, &Internal::ReleaseReservationForOrder, std::string(), release);
  REQUIRE(released.status.ok());
  CHECK(released.response.reservation().status() == pb::RESERVATION_STATUS_RELEASED);
  CHECK(released.response.reservation().release_reason() == "PAYMENT_DECLINED");
  CHECK(released.response.reservation().lottery_id() == started.id());
  release.set_reason("ORDER_CANCELLED");
  auto repeat = CallOn(*order, &Internal::ReleaseReservationForOrder, std::string(), release);
  REQUIRE(repeat.status.ok());
  CHECK(repeat.response.reservation().release_reason() == "PAYMENT_DECLINED");
  hold = ReservationOf(w, winner_token, hold_id);
  CHECK(hold.status() == pb::RESERVATION_STATUS_RELEASED);
  CHECK(hold.release_reason() == "PAYMENT_DECLINED");
  CHECK(f.Count("SELECT count(*) FROM holds WHERE release_reason = 'PAYMENT_DECLINED'") == 1);
  CHECK(w.StockOf(product.id()).available() == 4);
  CHECK(w.InvariantHolds(product.id()));

  // A buyer's own release records none.
  auto direct = w.Reserve(f.TokenFor("usr_b", "viewer"), product.id(), 1, "k1");
  REQUIRE(direct.status.ok());
  pb::ReleaseReservationRequest own;
  own.set_reservation_id(direct.response.reservation().id());
  auto own_release =
      CallOn(w.stub(), &Stub::ReleaseReservation, f.TokenFor("usr_b", "viewer"), own);
  REQUIRE(own_release.status.ok());
  CHECK(own_release.response.reservation().status() == pb::RESERVATION_STATUS_RELEASED);
  CHECK(own_release.response.reservation().release_reason().empty());
}

TEST_CASE("lottery stream end: open lotteries are cancelled, one whose window is over is drawn") {
  AppFixture f;
  Replica& r = f.AddReplica();
  Lotteries w(f, r);
  const pb::Product open_product = w.StreamProduct(10);
  const pb::Product due_product = w.StreamProduct(10);
  const pb::Lottery open = w.Start(open_product.id(), 3, 600);
  const pb::Lottery due = w.Start(due_product.id(), 2, 10);
  for (const char* u : {"usr_e1", "usr_e2"}) {
    REQUIRE(w.Enter(f.TokenFor(u, "viewer"), open.id()).status.ok());
    REQUIRE(w.Enter(f.TokenFor(u, "viewer"), due.id()).status.ok());
  }
  // Keep the drawer off the due lottery: it skips a row someone holds, while the stream's end
  // waits for it. So the stream's end is what draws it.
  pqxx::connection holder_conn(f.dsn());
  auto holder = std::make_unique<pqxx::work>(holder_conn);
  holder->exec_params("SELECT 1 FROM lotteries WHERE id = $1 FOR SHARE", due.id());
  REQUIRE(shopcast::testing::WaitUntil(
      [&] { return w.Get(due.id()).status() == pb::LOTTERY_STATUS_CLOSED; }, absl::Seconds(40)));

  std::thread end([&] { w.EndStream(r, "evt_end_1"); });
  // The handler waits on the held row (while holding its tuple lock, so the drawer still
  // skips it); then the row is let go.
  const bool waiting = shopcast::testing::WaitUntil(
      [&] {
        return f.Count(
                   "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                   "AND datname = current_database()") >= 1;
      },
      absl::Seconds(30));
  holder->commit();
  holder.reset();
  end.join();
  REQUIRE(waiting);
  // Redelivered: applied once.
  w.EndStream(r, "evt_end_1");

  const pb::Lottery o = w.Get(open.id());
  CHECK(o.status() == pb::LOTTERY_STATUS_CANCELLED);
  CHECK(o.cancel_reason() == "STREAM_ENDED");
  CHECK(w.StockOf(open_product.id()).total() == 10);
  CHECK(w.StockOf(open_product.id()).available() == 10);
  CHECK(w.InvariantHolds(open_product.id()));

  const pb::Lottery d = w.Get(due.id());
  CHECK(d.status() == pb::LOTTERY_STATUS_DRAWN);
  CHECK(d.winners_size() == 2);
  for (const auto& winner : d.winners()) {
    const pb::Reservation hold =
        ReservationOf(w, f.TokenFor(winner.user_id(), "viewer"), winner.reservation_id());
    CHECK(hold.source() == pb::RESERVATION_SOURCE_LOTTERY);
    CHECK(hold.lottery_id() == due.id());
  }
  const pb::Stock due_stock = w.StockOf(due_product.id());
  CHECK(due_stock.total() == 10);
  CHECK(due_stock.held() == 2);
  CHECK(w.InvariantHolds(due_product.id()));

  // The room: one cancellation (STREAM_ENDED), one draw.
  std::vector<rp::LotteryCancelled> cancels = CancelledEvents(w);
  REQUIRE(cancels.size() == 1);
  CHECK(cancels[0].reason() == "STREAM_ENDED");
  CHECK(cancels[0].lottery().lottery_id() == open.id());
  int drawn_events = 0;
  for (const auto& e : w.RoomEvents()) drawn_events += e.has_lottery_drawn() ? 1 : 0;
  CHECK(drawn_events == 1);
  // An ended stream starts no lottery.
  CHECK(ReasonOf(w.TryStart(w.c().host(), w.StartRequest(open_product.id(), 1)).status) ==
        "STREAM_NOT_LIVE");
}

TEST_CASE("lottery guard: a running lottery's product is not archived nor its units written off") {
  AppFixture f;
  Replica& r = f.AddReplica();
  Lotteries w(f, r);
  const pb::Product product = w.StreamProduct(10);
  const pb::Lottery l = w.Start(product.id(), 4, 600);
  const std::string before = w.Fingerprint();

  auto archived = Archive(w, product.id());
  CHECK(archived.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(archived.status) == "LOTTERY_IN_PROGRESS");
  // Six are available; a seventh would be one of the four set aside.
  auto too_many = Adjust(w, product.id(), -7, "w1");
  CHECK(too_many.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(too_many.status) == "LOTTERY_IN_PROGRESS");
  CHECK(w.Fingerprint() == before);
  CHECK(f.Count("SELECT count(*) FROM stock_adjustments") == 0);

  // Writing off what is available leaves the lottery whole.
  auto six = Adjust(w, product.id(), -6, "w2");
  REQUIRE(six.status.ok());
  CHECK(six.response.stock().total() == 0);
  CHECK(w.InvariantHolds(product.id()));

  // Called off: the four are back, and both changes go through.
  REQUIRE(w.Cancel(w.c().host(), l.id()).status.ok());
  CHECK(w.StockOf(product.id()).available() == 4);
  auto rest = Adjust(w, product.id(), -4, "w3");
  REQUIRE(rest.status.ok());
  CHECK(rest.response.stock().total() == 0);
  auto done = Archive(w, product.id());
  REQUIRE(done.status.ok());
  CHECK(done.response.product().status() == pb::PRODUCT_STATUS_ARCHIVED);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
