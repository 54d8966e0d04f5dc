// The queue's bad-input table: every refusal with its code and reason, and nothing changed by
// any of them (no ticket, no queue setting, no hold, no room event).

#include <functional>
#include <limits>
#include <vector>

#include "catch2/catch.hpp"
#include "queue/queue_client.h"

namespace shopcast::product_inventory::testing {
namespace {

struct Case {
  const char* name;
  std::function<grpc::Status()> call;
  grpc::StatusCode code;
  std::string reason;
};

TEST_CASE("queue bad input: each refusal has its code and reason and changes nothing") {
  AppFixture f;
  Replica& replica = QueueReplica(f);
  QueueWorld w(f, replica);
  const std::string stream = f.AddStream("usr_host");
  pb::Product p = w.Product(3, "p1", [&](pb::CreateProductRequest& req) {
    req.mutable_product()->set_stream_id(stream);
  });
  pb::Product plain = w.Product(3, "p2");  // No queue.
  REQUIRE(w.Configure(w.catalog().host(), p.id(), true, 60, 100).status.ok());
  // The three units offered to the first three in line, so the ticket below waits (and stays
  // as it is). No Reserve before this point: stock's one-second facts cache saw the queue on.
  for (int i = 0; i < 3; ++i) {
    const std::string token = f.TokenFor("usr_first" + std::to_string(i), "viewer");
    auto t = w.Enqueue(token, p.id());
    REQUIRE(t.status.ok());
    w.AwaitStatus(token, t.response.ticket().id(), pb::QUEUE_TICKET_STATUS_OFFERED);
  }
  const std::string a = f.TokenFor("usr_a", "viewer");
  const std::string b = f.TokenFor("usr_b", "viewer");
  auto ta = w.Enqueue(a, p.id());
  REQUIRE(ta.status.ok());
  const std::string ticket = ta.response.ticket().id();
  const std::string viewer = w.catalog().viewer();
  const std::string host = w.catalog().host();
  const std::string other_host = w.catalog().other_host();

  auto enqueue = [&](const std::string& token, const std::string& product, int quantity) {
    return [&, token, product, quantity] { return w.Enqueue(token, product, quantity).status; };
  };
  auto configure = [&](const std::string& token, const std::string& product,
                       std::function<void(pb::ConfigureQueueRequest&)> edit) {
    return [&, token, product, edit] {
      pb::ConfigureQueueRequest req;
      req.set_product_id(product);
      req.mutable_settings()->set_enabled(false);
      if (edit) edit(req);
      return CallOn(w.stub(), &Stub::ConfigureQueue, token, req).status;
    };
  };
  using C = grpc::StatusCode;
  const int kMaxInt = std::numeric_limits<int32_t>::max();
  const std::vector<Case> cases = {
      {"quantity 0", enqueue(b, p.id(), 0), C::INVALID_ARGUMENT, "QUANTITY_OUT_OF_RANGE"},
      {"quantity negative", enqueue(b, p.id(), -1), C::INVALID_ARGUMENT, "QUANTITY_OUT_OF_RANGE"},
      {"quantity 101", enqueue(b, p.id(), 101), C::INVALID_ARGUMENT, "QUANTITY_OUT_OF_RANGE"},
      {"quantity huge", enqueue(b, p.id(), kMaxInt), C::INVALID_ARGUMENT, "QUANTITY_OUT_OF_RANGE"},
      {"no token", enqueue("", p.id(), 1), C::UNAUTHENTICATED, ""},
      {"unknown product", enqueue(b, "prd_aaaaaaaaaaaaaaaaaaaaaaaaaa", 1), C::NOT_FOUND,
       "PRODUCT_NOT_FOUND"},
      {"malformed product", enqueue(b, "nope", 1), C::NOT_FOUND, "PRODUCT_NOT_FOUND"},
      {"no product", enqueue(b, "", 1), C::INVALID_ARGUMENT, "ID_REQUIRED"},
      {"product without a queue", enqueue(b, plain.id(), 1), C::FAILED_PRECONDITION,
       "QUEUE_NOT_ACTIVE"},
      {"seller queueing", enqueue(host, p.id(), 1), C::PERMISSION_DENIED, "SELLER_CANNOT_BUY"},
      {"viewer configuring", configure(viewer, p.id(), nullptr), C::PERMISSION_DENIED,
       "ROLE_REQUIRED"},
      {"someone else's product", configure(other_host, p.id(), nullptr), C::PERMISSION_DENIED,
       "NOT_PRODUCT_OWNER"},
      {"configuring an unknown product", configure(host, "prd_aaaaaaaaaaaaaaaaaaaaaaaaaa", nullptr),
       C::NOT_FOUND, "PRODUCT_NOT_FOUND"},
      {"no settings",
       configure(host, p.id(), [](pb::ConfigureQueueRequest& r) { r.clear_settings(); }),
       C::INVALID_ARGUMENT, "SETTINGS_REQUIRED"},
      {"claim window too short",
       configure(host, p.id(),
                 [](pb::ConfigureQueueRequest& r) {
                   r.mutable_settings()->mutable_claim_window()->set_seconds(5);
                 }),
       C::INVALID_ARGUMENT, "CLAIM_WINDOW_OUT_OF_RANGE"},
      {"claim window too long",
       configure(host, p.id(),
                 [](pb::ConfigureQueueRequest& r) {
                   r.mutable_settings()->mutable_claim_window()->set_seconds(3600);
                 }),
       C::INVALID_ARGUMENT, "CLAIM_WINDOW_OUT_OF_RANGE"},
      {"negative max length",
       configure(host, p.id(),
                 [](pb::ConfigureQueueRequest& r) { r.mutable_settings()->set_max_length(-1); }),
       C::INVALID_ARGUMENT, "MAX_LENGTH_OUT_OF_RANGE"},
      {"huge max length",
       configure(
           host, p.id(),
           [](pb::ConfigureQueueRequest& r) { r.mutable_settings()->set_max_length(kMaxInt); }),
       C::INVALID_ARGUMENT, "MAX_LENGTH_OUT_OF_RANGE"},
      {"unknown ticket", [&] { return w.Position(a, "qtk_aaaaaaaaaaaaaaaaaaaaaaaaaa").status; },
       C::NOT_FOUND, "QUEUE_TICKET_NOT_FOUND"},
      {"malformed ticket", [&] { return w.Position(a, "prd_x").status; }, C::NOT_FOUND,
       "QUEUE_TICKET_NOT_FOUND"},
      {"other user's ticket (position)", [&] { return w.Position(b, ticket).status; },
       C::PERMISSION_DENIED, "NOT_TICKET_OWNER"},
      {"other user's ticket (leave)", [&] { return w.Leave(b, ticket).status; },
       C::PERMISSION_DENIED, "NOT_TICKET_OWNER"},
      {"other user's ticket (claim)", [&] { return w.Claim(b, ticket).status; },
       C::PERMISSION_DENIED, "NOT_TICKET_OWNER"},
      {"claiming a waiting ticket", [&] { return w.Claim(a, ticket).status; },
       C::FAILED_PRECONDITION, "QUEUE_TICKET_NOT_OFFERED"},
      {"leaving an unknown ticket",
       [&] { return w.Leave(a, "qtk_aaaaaaaaaaaaaaaaaaaaaaaaaa").status; }, C::NOT_FOUND,
       "QUEUE_TICKET_NOT_FOUND"},
      {"reserve without a ticket", [&] { return w.Reserve(b, p.id(), 1, "r1").status; },
       C::FAILED_PRECONDITION, "QUEUE_REQUIRED"},
      {"reserve naming a ticket",
       [&] {
         pb::ReserveRequest req;
         req.set_product_id(p.id());
         req.set_quantity(1);
         req.set_idempotency_key("r2");
         req.set_queue_ticket_id(ticket);
         return CallOn(w.stub(), &Stub::Reserve, a, req).status;
       },
       C::FAILED_PRECONDITION, "QUEUE_TICKET_NOT_ADMITTED"},
  };

  auto snapshot = [&] {
    return std::vector<int64_t>{
        f.Count("SELECT count(*) FROM queue_tickets"),
        f.Count("SELECT count(*) FROM queue_tickets WHERE status = 'waiting'"),
        f.Count("SELECT count(*) FROM product_queues"),
        f.Count("SELECT count(*) FROM product_queues WHERE enabled AND claim_seconds = 60 AND "
                "max_length = 100 AND waiting = 1 AND next_sequence = 5"),
        f.Count("SELECT count(*) FROM holds"),
        f.Count("SELECT count(*) FROM outbox WHERE type LIKE 'product_inventory.queue_%'"),
    };
  };
  // The length announcements settle before the table: the last one says 1 and the queue row
  // says 1 was announced, so no coalesced announcement is still to come (an earlier "1", from
  // before the third offer, could otherwise be followed by a "0" and a "1" mid-table).
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        auto e = RoomEventsOf(f, stream, "queue_updated");
        return !e.empty() && e.back().queue_updated().queue_length() == 1 &&
               f.Count("SELECT count(*) FROM product_queues WHERE product_id = '" + p.id() +
                       "' AND waiting = 1 AND announced_waiting = 1") == 1;
      },
      absl::Seconds(30)));
  const std::vector<int64_t> before = snapshot();
  for (const Case& c : cases) {
    INFO(c.name);
    const grpc::Status s = c.call();
    CHECK(s.error_code() == c.code);
    if (!c.reason.empty()) CHECK(ReasonOf(s) == c.reason);
  }
  CHECK(snapshot() == before);
  CHECK(w.StatusOf(ticket) == "waiting");
  CHECK(w.InvariantHolds(p.id()));
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
