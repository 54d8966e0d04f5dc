// Pins through the whole App over a fresh database: pin, move, unpin and the public list in
// display order; idempotent repeats; the limit (and its flag); every change's PinsChanged room
// event in the outbox in commit order; video-ingest's stream_ended clearing the pins once.

#include <catch2/catch.hpp>

#include "pins_client.h"

namespace shopcast::product_inventory::testing {
namespace {

TEST_CASE("pins: pin, move, unpin and list keep the display order and announce each change") {
  AppFixture f;
  Pins p(f, f.AddReplica());
  const std::string a = p.Product("a"), b = p.Product("b"), c = p.Product("c");

  auto first = p.Pin(a, 0);
  REQUIRE(first.status.ok());
  REQUIRE(first.response.pins_size() == 1);
  CHECK(first.response.pins(0).product_id() == a);
  CHECK(first.response.pins(0).position() == 0);
  CHECK(first.response.pins(0).pinned_at().seconds() > 0);
  REQUIRE(p.Pin(b, 1).status.ok());
  auto third = p.Pin(c, 0);  // the top slot: the others shift down
  REQUIRE(third.status.ok());
  REQUIRE(third.response.pins_size() == 3);
  CHECK(third.response.pins(0).product_id() == c);
  CHECK(third.response.pins(2).product_id() == b);
  CHECK(third.response.pins(2).position() == 2);
  CHECK(p.Pinned() == Ids{c, a, b});

  // The public list carries the products too, in the same order.
  auto listed = p.List(p.stream());
  REQUIRE(listed.status.ok());
  REQUIRE(listed.response.products_size() == 3);
  CHECK(listed.response.products(1).title() == "Pinned thing a");
  CHECK(listed.response.products(1).stream_id() == p.stream());

  // A move keeps when it was first pinned.
  const int64_t a_pinned_at = listed.response.pins(1).pinned_at().seconds();
  auto moved = p.Pin(a, 2);
  REQUIRE(moved.status.ok());
  CHECK(p.Pinned() == Ids{c, b, a});
  CHECK(moved.response.pins(2).pinned_at().seconds() == a_pinned_at);

  auto unpinned = p.Unpin(b);
  REQUIRE(unpinned.status.ok());
  REQUIRE(unpinned.response.pins_size() == 2);
  CHECK(unpinned.response.pins(1).product_id() == a);
  CHECK(unpinned.response.pins(1).position() == 1);
  CHECK(p.Pinned() == Ids{c, a});

  // An admin may pin in any host's stream.
  REQUIRE(p.Pin(p.c().admin(), p.stream(), b, 1).status.ok());
  CHECK(p.Pinned() == Ids{c, b, a});
  CHECK(f.Count("SELECT count(*) FROM pins") == 3);

  // The room saw every change, whole lists in commit order.
  std::vector<PinsEvent> events = p.Events();
  REQUIRE(events.size() == 6);
  CHECK(events[0].pinned == Ids{a});
  CHECK(events[1].pinned == Ids{a, b});
  CHECK(events[2].pinned == Ids{c, a, b});
  CHECK(events[3].pinned == Ids{c, b, a});
  CHECK(events[4].pinned == Ids{c, a});
  CHECK(events[5].pinned == Ids{c, b, a});
  CHECK(events[3].product_id == a);
  CHECK(events[3].pinned_now);
  CHECK(events[4].product_id == b);
  CHECK_FALSE(events[4].pinned_now);
  // Every pin (moves too), not the unpin, also goes to video-ingest's live playlist.
  CHECK(f.Count("SELECT count(*) FROM outbox WHERE type = 'product_inventory.pins_changed' AND "
                "destination = 'video_ingest'") == 5);
}

TEST_CASE("pins: repeating a pin or an unpin changes nothing and announces nothing") {
  AppFixture f;
  Pins p(f, f.AddReplica());
  const std::string a = p.Product("a"), b = p.Product("b");
  REQUIRE(p.Pin(a, 0).status.ok());
  REQUIRE(p.Pin(b, 1).status.ok());
  const auto events_before = p.Events().size();

  for (int i = 0; i < 3; ++i) {
    auto again = p.Pin(b, 1);
    REQUIRE(again.status.ok());
    REQUIRE(again.response.pins_size() == 2);
    CHECK(again.response.pins(1).product_id() == b);
    // Beyond the end names the same last slot.
    REQUIRE(p.Pin(b, 2).status.ok());
  }
  CHECK(p.Pinned() == Ids{a, b});
  CHECK(p.Events().size() == events_before);

  REQUIRE(p.Unpin(a).status.ok());
  auto unpin_again = p.Unpin(a);
  REQUIRE(unpin_again.status.ok());
  REQUIRE(unpin_again.response.pins_size() == 1);
  CHECK(unpin_again.response.pins(0).product_id() == b);
  CHECK(p.Events().size() == events_before + 1);
}

TEST_CASE("pins: the limit refuses a new pin with a reason but still allows moves") {
  AppFixture f;
  Pins p(f, f.AddReplica());
  const std::string a = p.Product("a"), b = p.Product("b"), c = p.Product("c"), d = p.Product("d");
  REQUIRE(p.Pin(a, 0).status.ok());
  REQUIRE(p.Pin(b, 1).status.ok());
  REQUIRE(p.Pin(c, 2).status.ok());
  auto full = p.Pin(d, 0);
  CHECK(full.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(full.status) == "PIN_LIMIT_REACHED");
  CHECK(p.Pinned() == Ids{a, b, c});
  CHECK(p.Events().size() == 3);

  REQUIRE(p.Pin(c, 0).status.ok());  // a move, not a fourth pin
  CHECK(p.Pinned() == Ids{c, a, b});
  REQUIRE(p.Unpin(a).status.ok());
  REQUIRE(p.Pin(d, 2).status.ok());  // room again
  CHECK(p.Pinned() == Ids{c, b, d});
}

TEST_CASE("pins: max_pins sets the limit") {
  AppFixture f;
  Pins p(f, f.AddReplica([](Config& c) { c.max_pins = 5; }));
  Ids ids;
  for (int i = 0; i < 6; ++i) ids.push_back(p.Product("k" + std::to_string(i)));
  for (int i = 0; i < 5; ++i) REQUIRE(p.Pin(ids[i], i).status.ok());
  CHECK(ReasonOf(p.Pin(ids[5], 4).status) == "PIN_LIMIT_REACHED");
  // Position 4 is valid with 5 slots; 5 is not.
  CHECK(ReasonOf(p.Pin(ids[0], 5).status) == "POSITION_OUT_OF_RANGE");
  CHECK(p.Pinned() == Ids(ids.begin(), ids.begin() + 5));
}

TEST_CASE("pins: stream_ended from video-ingest clears the pins and announces it once") {
  AppFixture f;
  Replica& first = f.AddReplica();
  Replica& second = f.AddReplica();
  Pins p(f, first);
  const std::string a = p.Product("a"), b = p.Product("b");
  const std::string other_stream = f.AddStream("usr_host");
  const std::string other = p.Product("o", other_stream);
  REQUIRE(p.Pin(a, 0).status.ok());
  REQUIRE(p.Pin(b, 1).status.ok());
  REQUIRE(p.Pin(p.c().host(), other_stream, other, 0).status.ok());

  p.EndStream(p.stream(), "evt_end_1");
  // Redelivered (same id), and again on another replica; then a second, distinct end event.
  p.EndStream(p.stream(), "evt_end_1");
  p.EndStream(p.stream(), "evt_end_1", &second);
  p.EndStream(p.stream(), "evt_end_2", &second);

  CHECK(p.Pinned().empty());
  CHECK(f.Count("SELECT count(*) FROM pins WHERE stream_id = '" + p.stream() + "'") == 0);
  std::vector<PinsEvent> events = p.Events();
  REQUIRE(events.size() == 3);
  CHECK(events[2].pinned.empty());
  CHECK(events[2].product_id.empty());
  CHECK_FALSE(events[2].pinned_now);
  // Another stream's pins are untouched.
  CHECK(p.Pinned(other_stream) == Ids{other});
  CHECK(p.Events(other_stream).size() == 1);

  // The stream is over: no new pins; unpinning has nothing left to do.
  auto late = p.Pin(a, 0);
  CHECK(late.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(ReasonOf(late.status) == "STREAM_ENDED");
  auto unpin = p.Unpin(a);
  REQUIRE(unpin.status.ok());
  CHECK(unpin.response.pins_size() == 0);
  CHECK(p.Events().size() == 3);
}

TEST_CASE("pins: a stream that ends without pins announces nothing") {
  AppFixture f;
  Pins p(f, f.AddReplica());
  p.EndStream(p.stream(), "evt_end_1");
  CHECK(p.Events().empty());
  CHECK(p.Pinned().empty());
}

}  // namespace
}  // namespace shopcast::product_inventory::testing
