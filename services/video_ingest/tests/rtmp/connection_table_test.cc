#include "rtmp/connection_table.h"

#include <catch2/catch.hpp>

namespace shopcast::video_ingest::rtmp {
namespace {

TEST_CASE("a full pending budget evicts the oldest unauthenticated connection") {
  ConnectionTable t({.max_connections = 10, .max_pending = 3, .max_pending_per_address = 10});
  REQUIRE(t.Open(1, "a").accepted);
  REQUIRE(t.Open(2, "b").accepted);
  REQUIRE(t.Open(3, "c").accepted);
  const ConnectionTable::Decision d = t.Open(4, "d");
  CHECK(d.accepted);
  REQUIRE(d.evict.has_value());
  CHECK(*d.evict == 1);
  CHECK(t.pending() == 3);
  t.Closed(1);  // The evicted connection ends later: already forgotten.
  CHECK(t.pending() == 3);
  CHECK(t.size() == 3);
}

TEST_CASE("admitted publishers leave the pending budget and are never evicted") {
  ConnectionTable t({.max_connections = 4, .max_pending = 2, .max_pending_per_address = 10});
  REQUIRE(t.Open(1, "a").accepted);
  t.Admitted(1);
  REQUIRE(t.Open(2, "b").accepted);
  t.Admitted(2);
  REQUIRE(t.Open(3, "x").accepted);
  REQUIRE(t.Open(4, "x").accepted);
  CHECK(t.pending() == 2);
  // Every slot taken: the oldest unauthenticated connection (3) goes, not a publisher.
  ConnectionTable::Decision d = t.Open(5, "y");
  CHECK(d.accepted);
  REQUIRE(d.evict.has_value());
  CHECK(*d.evict == 3);
  // One whose key is being checked is not evicted either: 4 is, then nobody is left.
  t.Admitting(5, true);
  d = t.Open(6, "z");
  CHECK(d.accepted);
  CHECK(d.evict == 4);
  t.Admitting(6, true);
  d = t.Open(7, "w");
  CHECK_FALSE(d.accepted);
  CHECK(d.refusal == "max_connections");
  CHECK_FALSE(d.evict.has_value());
  // A refused key makes the connection evictable again.
  t.Admitting(5, false);
  d = t.Open(8, "w");
  CHECK(d.accepted);
  CHECK(d.evict == 5);
}

TEST_CASE("one address cannot hold more than its share of pending connections") {
  ConnectionTable t({.max_connections = 100, .max_pending = 50, .max_pending_per_address = 2});
  REQUIRE(t.Open(1, "10.0.0.1").accepted);
  REQUIRE(t.Open(2, "10.0.0.1").accepted);
  ConnectionTable::Decision d = t.Open(3, "10.0.0.1");
  CHECK_FALSE(d.accepted);
  CHECK(d.refusal == "per_address_limit");
  CHECK_FALSE(d.evict.has_value());
  CHECK(t.Open(4, "10.0.0.2").accepted);  // Another address is not affected.
  // Admitted connections do not count against their address.
  t.Admitted(1);
  CHECK(t.pending_from("10.0.0.1") == 1);
  CHECK(t.Open(5, "10.0.0.1").accepted);
  t.Closed(2);
  CHECK(t.Open(6, "10.0.0.1").accepted);
  CHECK(t.pending_from("10.0.0.1") == 2);
}

}  // namespace
}  // namespace shopcast::video_ingest::rtmp
