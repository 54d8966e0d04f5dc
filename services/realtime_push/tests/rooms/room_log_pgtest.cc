// The room log on real PostgreSQL: gapless sequences under concurrent publishers, duplicates
// answered with the first sequence, closed rooms, snapshots that agree with the log, retention.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "support/app_fixture.h"

using shopcast::realtime_push::testing::ProductEvent;
using shopcast::realtime_push::testing::RoomsFixture;
namespace pb = shopcast::realtime_push::v1;
namespace rooms = shopcast::realtime_push::rooms;

TEST_CASE("concurrent publishers get gapless, strictly increasing sequences per room") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string room = f.OpenRoom();
  const std::string other = f.OpenRoom();
  std::mutex mu;
  std::set<int64_t> seqs;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto a = log.Append(room, absl::StrCat("evt_", t, "_", i), ProductEvent("prd_1", "x"));
        REQUIRE(a.ok());
        std::lock_guard<std::mutex> lock(mu);
        CHECK(seqs.insert(a->seq).second);
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(seqs.size() == 100);
  CHECK(*seqs.begin() == 1);
  CHECK(*seqs.rbegin() == 100);
  // Another room counts on its own.
  auto first = log.Append(other, "evt_other", ProductEvent("prd_2", "y"));
  REQUIRE(first.ok());
  CHECK(first->seq == 1);

  auto events = log.ReadAfter(room, 90, 100);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 10);
  for (size_t i = 0; i < events->size(); ++i) {
    pb::RoomEvent e;
    REQUIRE(e.ParseFromString((*events)[i].bytes));
    CHECK(e.sequence() == static_cast<int64_t>(91 + i));
    CHECK(e.stream_id() == room);
  }
}

TEST_CASE("a repeated event id answers the first sequence and appends nothing") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string room = f.OpenRoom();
  auto a = log.Append(room, "evt_same", ProductEvent("prd_1", "x"));
  auto b = log.Append(room, "evt_same", ProductEvent("prd_1", "different body"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(b->duplicate);
  CHECK(b->seq == a->seq);
  CHECK(log.GetRoom(room)->head_seq == 1);
}

TEST_CASE("unknown and closed rooms refuse events, except a closed room's status changes") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  auto missing = log.Append("str_0000000000000000000000000", "evt_1", ProductEvent("prd_1", "x"));
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(shopcast::ReasonOf(missing.status()) == "ROOM_NOT_FOUND");

  const std::string room = f.OpenRoom();
  REQUIRE(shopcast::db::InTransaction(f.pool(), [&](pqxx::work& tx) -> absl::Status {
            rooms::tx::CloseRoom(tx, room, absl::Now());
            return absl::OkStatus();
          }).ok());
  auto closed = log.Append(room, "evt_2", ProductEvent("prd_1", "x"));
  CHECK(closed.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(shopcast::ReasonOf(closed.status()) == "ROOM_CLOSED");
  pb::RoomEvent status;
  status.mutable_stream_status_changed()->set_status(shopcast::common::v1::STREAM_STATUS_ENDED);
  CHECK(log.Append(room, "evt_3", status).ok());
  // Ephemeral kinds never enter the log.
  pb::RoomEvent likes;
  likes.mutable_reaction_counts()->set_likes(1);
  CHECK(log.Append(room, "evt_4", likes).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a snapshot shows the room as of its sequence: status, products, pins, stock, sales") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string room = f.OpenRoom();
  pb::RoomEvent live;
  live.mutable_stream_status_changed()->set_status(shopcast::common::v1::STREAM_STATUS_LIVE);
  live.mutable_stream_status_changed()->set_playback_url("http://x/live/a/index.m3u8");
  REQUIRE(log.Append(room, "e1", live).ok());
  REQUIRE(log.Append(room, "e2", ProductEvent("prd_a", "A")).ok());
  REQUIRE(log.Append(room, "e3", ProductEvent("prd_b", "B")).ok());
  // An older version of a card never replaces a newer one.
  REQUIRE(log.Append(room, "e4", ProductEvent("prd_a", "A v3", 3)).ok());
  REQUIRE(log.Append(room, "e5", ProductEvent("prd_a", "A v2", 2)).ok());
  pb::RoomEvent pins;
  *pins.mutable_pins_changed()->add_pinned() =
      ProductEvent("prd_b", "B").product_created().product();
  *pins.mutable_pins_changed()->add_pinned() =
      ProductEvent("prd_a", "A v3", 3).product_created().product();
  REQUIRE(log.Append(room, "e6", pins).ok());
  pb::RoomEvent stock;
  stock.mutable_stock_changed()->set_product_id("prd_b");
  stock.mutable_stock_changed()->set_available(0);
  stock.mutable_stock_changed()->set_total(10);
  stock.mutable_stock_changed()->set_sold_out(true);
  stock.mutable_stock_changed()->set_revision(5);
  REQUIRE(log.Append(room, "e7", stock).ok());
  stock.mutable_stock_changed()->set_available(4);  // stale revision: ignored
  stock.mutable_stock_changed()->set_revision(4);
  REQUIRE(log.Append(room, "e8", stock).ok());
  pb::RoomEvent sale;
  sale.mutable_sale_ticker()->set_product_id("prd_b");
  sale.mutable_sale_ticker()->set_quantity(2);
  REQUIRE(log.Append(room, "e9", sale).ok());

  auto snap = log.Snapshot(room, absl::Now());
  REQUIRE(snap.ok());
  CHECK(snap->sequence() == 9);
  CHECK(snap->stream_status().status() == shopcast::common::v1::STREAM_STATUS_LIVE);
  CHECK(snap->stream_status().playback_url() == "http://x/live/a/index.m3u8");
  REQUIRE(snap->pinned_size() == 2);
  CHECK(snap->pinned(0).product_id() == "prd_b");
  CHECK(snap->pinned(0).sold_out());
  CHECK(snap->pinned(0).available() == 0);
  CHECK(snap->pinned(1).title() == "A v3");
  REQUIRE(snap->products_size() == 2);
  REQUIRE(snap->recent_sales_size() == 1);
  CHECK(snap->recent_sales(0).quantity() == 2);
}

TEST_CASE("a stock event carries the product's flash sale onto its card and its absence ends it") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string room = f.OpenRoom();
  REQUIRE(log.Append(room, "e1", ProductEvent("prd_a", "A")).ok());
  pb::RoomEvent stock;
  pb::StockChanged* s = stock.mutable_stock_changed();
  s->set_product_id("prd_a");
  s->set_available(10);
  s->set_total(10);
  s->set_revision(2);
  s->mutable_flash_sale()->mutable_deal_price()->set_amount_minor(499);
  s->mutable_flash_sale()->set_stock_cap(5);
  s->mutable_flash_sale()->set_remaining(5);
  REQUIRE(log.Append(room, "e2", stock).ok());
  auto snap = log.Snapshot(room, absl::Now());
  REQUIRE(snap.ok());
  REQUIRE(snap->products_size() == 1);
  REQUIRE(snap->products(0).has_flash_sale());
  CHECK(snap->products(0).flash_sale().deal_price().amount_minor() == 499);

  s->clear_flash_sale();
  s->set_revision(3);
  REQUIRE(log.Append(room, "e3", stock).ok());
  snap = log.Snapshot(room, absl::Now());
  REQUIRE(snap.ok());
  CHECK_FALSE(snap->products(0).has_flash_sale());
}

TEST_CASE("retention keeps each room's last events and says where its log begins") {
  RoomsFixture f;
  rooms::RoomLog log(f.pool());
  const std::string room = f.OpenRoom();
  for (int i = 1; i <= 20; ++i) {
    REQUIRE(log.Append(room, absl::StrCat("e", i), ProductEvent("prd_1", "x")).ok());
  }
  CHECK(*log.OldestRetained(room) == 1);
  auto purged = log.Purge(5, absl::Now() - absl::Hours(1));
  REQUIRE(purged.ok());
  CHECK(*purged == 15);
  CHECK(*log.OldestRetained(room) == 16);
  // By age: everything older than now goes, and an empty log begins after its head.
  REQUIRE(log.Purge(1000, absl::Now() + absl::Seconds(1)).ok());
  CHECK(*log.OldestRetained(room) == 21);
}
