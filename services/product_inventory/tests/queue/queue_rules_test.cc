// The queue's pure rules: settings bounds and defaults, quantities, offers and the estimated
// wait, the API's view of a ticket, the offer's notification.

#include "queue/queue_rules.h"

#include "catch2/catch.hpp"
#include "queue/offer_notice.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::queue {
namespace {

TEST_CASE("queue rules: settings take defaults and refuse what is out of range") {
  v1::QueueSettings s;
  s.set_enabled(true);
  auto c = ConfigFromProto(s);
  REQUIRE(c.ok());
  CHECK(c->enabled);
  CHECK(c->claim_window == kDefaultClaimWindow);
  CHECK(c->max_length == kDefaultMaxLength);

  s.mutable_claim_window()->set_seconds(10);
  s.set_max_length(100000);
  c = ConfigFromProto(s);
  REQUIRE(c.ok());
  CHECK(c->claim_window == absl::Seconds(10));
  CHECK(c->max_length == 100000);
  CHECK(ConfigToProto(*c).claim_window().seconds() == 10);

  for (int64_t seconds : {int64_t{0}, int64_t{9}, int64_t{601}, int64_t{-5}}) {
    v1::QueueSettings bad = s;
    bad.mutable_claim_window()->set_seconds(seconds);
    auto r = ConfigFromProto(bad);
    CHECK(ReasonOf(r.status()) == reason::kClaimWindowOutOfRange);
  }
  v1::QueueSettings fraction = s;
  fraction.mutable_claim_window()->set_nanos(5);
  CHECK(ReasonOf(ConfigFromProto(fraction).status()) == reason::kClaimWindowOutOfRange);
  for (int32_t length : {-1, 100001}) {
    v1::QueueSettings bad = s;
    bad.set_max_length(length);
    CHECK(ReasonOf(ConfigFromProto(bad).status()) == reason::kMaxLengthOutOfRange);
  }
}

TEST_CASE("queue rules: quantities, offers and the estimated wait") {
  CHECK(CheckQuantity(1).ok());
  CHECK(CheckQuantity(100).ok());
  for (int64_t q : {int64_t{0}, int64_t{-1}, int64_t{101}, int64_t{1} << 40}) {
    CHECK(ReasonOf(CheckQuantity(q)) == reason::kQuantityOutOfRange);
  }
  CHECK(OfferQuantity(3, 10) == 3);
  CHECK(OfferQuantity(3, 2) == 2);
  CHECK(OfferQuantity(3, 0) == 0);

  CHECK_FALSE(EstimatedWait(5, 0, absl::Minutes(1)).has_value());
  CHECK_FALSE(EstimatedWait(0, 3, absl::Minutes(1)).has_value());
  // 6 offers in the last minute: one every 10 s; the 4th in line waits 40 s.
  CHECK(EstimatedWait(4, 6, absl::Minutes(1)) == absl::Seconds(40));
}

TEST_CASE("queue rules: a ticket's view shows position and wait only while waiting") {
  TicketView v;
  v.ticket.id = "qtk_x";
  v.ticket.status = TicketStatus::kWaiting;
  v.ticket.quantity = 2;
  v.ticket.sequence = 7;
  v.position = 3;
  v.queue_length = 9;
  v.estimated_wait = absl::Seconds(30);
  v1::QueueTicket t = TicketToProto(v);
  CHECK(t.status() == v1::QUEUE_TICKET_STATUS_WAITING);
  CHECK(t.position() == 3);
  CHECK(t.estimated_wait().seconds() == 30);
  CHECK(t.sequence() == 7);

  v.ticket.status = TicketStatus::kOffered;
  v.ticket.offered_until = absl::FromUnixSeconds(1000);
  t = TicketToProto(v);
  CHECK(t.position() == 0);
  CHECK_FALSE(t.has_estimated_wait());
  CHECK(t.offer_expires_at().seconds() == 1000);
  for (auto s : {TicketStatus::kWaiting, TicketStatus::kOffered, TicketStatus::kClaimed,
                 TicketStatus::kLapsed, TicketStatus::kLeft, TicketStatus::kCancelled}) {
    CHECK(TicketStatusFromName(TicketStatusName(s)) == s);
  }
}

TEST_CASE("queue rules: the offer's notification names product, ticket and deadline") {
  namespace rp = ::shopcast::realtime_push::v1;
  OfferNotice offer{
      "prd_1", "Blue tee",
      "str_1", "qtk_1",
      1,       absl::FromCivil(absl::CivilSecond(2026, 12, 3, 14, 5, 30), absl::UTCTimeZone())};
  rp::Notification n = OfferNotification(offer);
  CHECK(n.kind() == rp::NOTIFICATION_KIND_QUEUE_ADMITTED);
  CHECK(n.title() == "Your turn: Blue tee");
  CHECK(n.body() ==
        "1 unit of \"Blue tee\" is held for you until 2026-12-03 14:05:30 UTC. Claim it before "
        "then or it goes to the next in line. Ticket qtk_1.");
  CHECK(n.product_id() == "prd_1");
  CHECK(n.stream_id() == "str_1");
  CHECK(n.link() == "/live/str_1?queue_ticket=qtk_1");

  // Several units; no stream; a title too long to prefix (120 characters, multi-byte).
  offer.quantity = 3;
  offer.stream_id.clear();
  std::string long_title;
  for (int i = 0; i < 120; ++i) long_title += "\xc3\xa9";  // é
  offer.product_title = long_title;
  n = OfferNotification(offer);
  CHECK(n.title() == "Your turn in the queue");
  CHECK(n.body().rfind("3 units of \"" + long_title + "\" are held for you", 0) == 0);
  CHECK(n.body().find("Claim them before then or they go") != std::string::npos);
  CHECK(n.stream_id().empty());
  CHECK(n.link() == "/products/prd_1?queue_ticket=qtk_1");
}

}  // namespace
}  // namespace shopcast::product_inventory::queue
