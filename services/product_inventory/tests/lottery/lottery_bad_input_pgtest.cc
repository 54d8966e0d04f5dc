// The lotteries' bad-input table: each refusal's code and reason, and nothing changed (no
// lottery, entry, version bump, stock change, hold or room event).

#include <catch2/catch.hpp>
#include <functional>

#include "lottery_client.h"

namespace shopcast::product_inventory::testing {
namespace {

struct Case {
  std::string name;
  std::function<grpc::Status()> call;
  grpc::StatusCode code;
  std::string reason;
};

TEST_CASE("lottery: the bad-input table - right status and reason, nothing changed") {
  AppFixture f;
  Lotteries w(f, f.AddReplica());
  Catalog& c = w.c();
  const pb::Product product = w.StreamProduct(20);
  const pb::Product other_product = w.StreamProduct(20);
  const pb::Lottery running = w.Start(other_product.id(), 2, 600);
  const std::string viewer = f.TokenFor("usr_v1", "viewer");
  REQUIRE(w.Enter(viewer, running.id()).status.ok());
  const pb::Product auction = [&] {
    pb::CreateProductRequest req =
        Catalog::Auction(c.CreateApparelType("Lots"), c.CreateProfile(c.host(), "Lots"), "auc1");
    auto r = c.Create(c.host(), req);
    if (!r.status.ok()) throw std::runtime_error("auction product");
    return r.response.product();
  }();

  auto start = [&](const std::string& token, std::function<void(pb::StartLotteryRequest&)> edit) {
    return [&, token, edit] {
      pb::StartLotteryRequest req = w.StartRequest(product.id(), 3);
      edit(req);
      return w.TryStart(token, req).status;
    };
  };
  auto none = [](pb::StartLotteryRequest&) {};
  using C = grpc::StatusCode;
  const std::vector<Case> cases = {
      {"units 0", start(c.host(), [](auto& r) { r.set_units(0); }), C::INVALID_ARGUMENT,
       "UNITS_OUT_OF_RANGE"},
      {"units negative", start(c.host(), [](auto& r) { r.set_units(-3); }), C::INVALID_ARGUMENT,
       "UNITS_OUT_OF_RANGE"},
      {"units huge", start(c.host(), [](auto& r) { r.set_units(10001); }), C::INVALID_ARGUMENT,
       "UNITS_OUT_OF_RANGE"},
      {"units above available", start(c.host(), [](auto& r) { r.set_units(21); }),
       C::FAILED_PRECONDITION, "INSUFFICIENT_AVAILABLE_STOCK"},
      {"window too short", start(c.host(), [](auto& r) { r.mutable_duration()->set_seconds(5); }),
       C::INVALID_ARGUMENT, "WINDOW_INVALID"},
      {"window too long",
       start(c.host(), [](auto& r) { r.mutable_duration()->set_seconds(25 * 3600); }),
       C::INVALID_ARGUMENT, "WINDOW_INVALID"},
      {"window negative", start(c.host(), [](auto& r) { r.mutable_duration()->set_seconds(-60); }),
       C::INVALID_ARGUMENT, "WINDOW_INVALID"},
      {"window with no end", start(c.host(), [](auto& r) { r.clear_duration(); }),
       C::INVALID_ARGUMENT, "WINDOW_INVALID"},
      {"closes_at and duration both",
       start(c.host(),
             [](auto& r) { ToProto(absl::Now() + absl::Minutes(5), r.mutable_closes_at()); }),
       C::INVALID_ARGUMENT, "WINDOW_INVALID"},
      {"closes before it opens",
       start(c.host(),
             [](auto& r) {
               r.clear_duration();
               ToProto(absl::Now() + absl::Hours(2), r.mutable_opens_at());
               ToProto(absl::Now() + absl::Hours(1), r.mutable_closes_at());
             }),
       C::INVALID_ARGUMENT, "WINDOW_INVALID"},
      {"opens a month ahead",
       start(c.host(),
             [](auto& r) { ToProto(absl::Now() + absl::Hours(24 * 30), r.mutable_opens_at()); }),
       C::INVALID_ARGUMENT, "WINDOW_INVALID"},
      {"opened an hour ago",
       start(c.host(),
             [](auto& r) { ToProto(absl::Now() - absl::Hours(1), r.mutable_opens_at()); }),
       C::INVALID_ARGUMENT, "WINDOW_INVALID"},
      {"winner hold too short",
       start(c.host(), [](auto& r) { r.mutable_winner_hold_duration()->set_seconds(60); }),
       C::INVALID_ARGUMENT, "HOLD_DURATION_OUT_OF_RANGE"},
      {"no idempotency key", start(c.host(), [](auto& r) { r.clear_idempotency_key(); }),
       C::INVALID_ARGUMENT, "IDEMPOTENCY_KEY_INVALID"},
      {"viewer starting", start(viewer, none), C::PERMISSION_DENIED, "ROLE_REQUIRED"},
      {"no token starting", start("", none), C::UNAUTHENTICATED, ""},
      {"someone else's product", start(c.other_host(), none), C::PERMISSION_DENIED,
       "NOT_PRODUCT_OWNER"},
      {"unknown product",
       start(c.host(), [](auto& r) { r.set_product_id("prd_00000000000000000000000000"); }),
       C::NOT_FOUND, "PRODUCT_NOT_FOUND"},
      {"malformed product", start(c.host(), [](auto& r) { r.set_product_id("nope"); }),
       C::NOT_FOUND, "PRODUCT_NOT_FOUND"},
      {"auction product", start(c.host(), [&](auto& r) { r.set_product_id(auction.id()); }),
       C::FAILED_PRECONDITION, "PRODUCT_IS_AUCTION"},
      {"product already in a lottery",
       start(c.host(), [&](auto& r) { r.set_product_id(other_product.id()); }),
       C::FAILED_PRECONDITION, "LOTTERY_ALREADY_RUNNING"},
      {"entering an unknown lottery",
       [&] { return w.Enter(viewer, "lot_00000000000000000000000000").status; }, C::NOT_FOUND,
       "LOTTERY_NOT_FOUND"},
      {"entering a malformed lottery", [&] { return w.Enter(viewer, "auc_x").status; },
       C::NOT_FOUND, "LOTTERY_NOT_FOUND"},
      {"entering without a token", [&] { return w.Enter("", running.id()).status; },
       C::UNAUTHENTICATED, ""},
      {"the seller entering", [&] { return w.Enter(c.host(), running.id()).status; },
       C::PERMISSION_DENIED, "SELLER_CANNOT_ENTER"},
      {"drawing before the window closed", [&] { return w.Draw(c.host(), running.id()).status; },
       C::FAILED_PRECONDITION, "LOTTERY_STILL_OPEN"},
      {"someone else drawing", [&] { return w.Draw(c.other_host(), running.id()).status; },
       C::PERMISSION_DENIED, "NOT_LOTTERY_OWNER"},
      {"a viewer drawing", [&] { return w.Draw(viewer, running.id()).status; },
       C::PERMISSION_DENIED, "ROLE_REQUIRED"},
      {"getting an unknown lottery",
       [&] { return w.TryGet("lot_00000000000000000000000000").status; }, C::NOT_FOUND,
       "LOTTERY_NOT_FOUND"},
  };
  for (const Case& k : cases) {
    DYNAMIC_SECTION(k.name) {
      const std::string before = w.Fingerprint();
      const grpc::Status s = k.call();
      CHECK(s.error_code() == k.code);
      if (!k.reason.empty()) CHECK(ReasonOf(s) == k.reason);
      CHECK(w.Fingerprint() == before);
    }
  }
}

TEST_CASE("lottery: entering twice is answered with the first entry and changes nothing") {
  AppFixture f;
  Lotteries w(f, f.AddReplica());
  const pb::Lottery running = w.Start(w.StreamProduct(5).id(), 2, 600);
  const std::string viewer = f.TokenFor("usr_twice", "viewer");
  auto first = w.Enter(viewer, running.id());
  REQUIRE(first.status.ok());
  CHECK_FALSE(first.response.already_entered());
  CHECK(first.response.lottery().entered());
  const std::string before = w.Fingerprint();
  auto second = w.Enter(viewer, running.id());
  REQUIRE(second.status.ok());
  CHECK(second.response.already_entered());
  CHECK(second.response.entered_at().seconds() == first.response.entered_at().seconds());
  CHECK(second.response.entered_at().nanos() == first.response.entered_at().nanos());
  CHECK(second.response.lottery().entrant_count() == 1);
  CHECK(w.Fingerprint() == before);
}

TEST_CASE(
    "lottery: starts are idempotent per key and a key reused for another product is refused") {
  AppFixture f;
  Lotteries w(f, f.AddReplica());
  const pb::Product a = w.StreamProduct(5);
  const pb::Product b = w.StreamProduct(5);
  pb::StartLotteryRequest req = w.StartRequest(a.id(), 2);
  req.set_idempotency_key("same");
  auto first = w.TryStart(w.c().host(), req);
  REQUIRE(first.status.ok());
  const std::string before = w.Fingerprint();
  auto retry = w.TryStart(w.c().host(), req);
  REQUIRE(retry.status.ok());
  CHECK(retry.response.lottery().id() == first.response.lottery().id());
  CHECK(retry.response.lottery().commitment_hex() == first.response.lottery().commitment_hex());
  req.set_product_id(b.id());
  auto reused = w.TryStart(w.c().host(), req);
  CHECK(reused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(reused.status) == "IDEMPOTENCY_KEY_REUSED");
  CHECK(w.Fingerprint() == before);
  // Still 3 of a's units on sale, b untouched.
  CHECK(w.StockOf(a.id()).available() == 3);
  CHECK(w.StockOf(b.id()).available() == 5);
}

TEST_CASE("lottery: a lottery needs a live stream") {
  AppFixture f;
  Lotteries w(f, f.AddReplica());
  const std::string ended = f.AddStream("usr_host");
  const pb::Product p = w.Product(5, "soon-ended", [&](pb::CreateProductRequest& r) {
    r.mutable_product()->set_stream_id(ended);
  });
  {
    pqxx::connection conn(f.dsn());
    pqxx::work tx(conn);
    tx.exec_params0("UPDATE streams SET status = 4, ended_at = now() WHERE id = $1", ended);
    tx.commit();
  }
  const std::string before = w.Fingerprint();
  auto r = w.TryStart(w.c().host(), w.StartRequest(p.id(), 1));
  CHECK(r.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(r.status) == "STREAM_NOT_LIVE");
  CHECK(w.Fingerprint() == before);
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
