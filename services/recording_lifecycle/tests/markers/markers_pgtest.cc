// Sale, pin and auction markers through the real EventSink onto a real database: placed at the
// right media offset across a reconnect, whether the sale comes before its segment, before its
// recording, out of order or after the recording ended; cancelled; orphans reported.

#include <catch2/catch.hpp>

#include "markers/orphan_watch.h"
#include "shopcast/ids/ids.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "support/app_fixture.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

namespace vi = ::shopcast::video_ingest::v1;

constexpr int64_t kSeg = 2 * kSecond;

std::string Q(const std::string& s) { return "'" + s + "'"; }

// The marker of `order_id`: "offset/sequence/clamped", or "unplaced".
std::string PlacementOf(const AppFixture& f, const std::string& order_id) {
  return f.Text(
      "SELECT COALESCE(media_offset_us::text || '/' || segment_sequence::text || '/' || "
      "clamped::text, 'unplaced') FROM markers WHERE order_id = " +
      Q(order_id));
}

std::string At(int64_t offset_us, int64_t sequence, bool clamped) {
  return std::to_string(offset_us) + "/" + std::to_string(sequence) + "/" +
         (clamped ? "true" : "false");
}

// Session 1: sequences 0..2 from T0 (2 s each); the encoder drops at T0+6s and comes back at
// T0+15s: session 2 is sequences 3..5 from T0+15s, the first after a discontinuity.
void Reconnected(const AppFixture& f, const std::string& stream, const std::string& host,
                 bool end = true) {
  f.Deliver(WentLiveEvent(stream, host, "Reconnects"));
  for (int i = 0; i < 3; ++i) f.Deliver(SegmentEvent(stream, i, kT0 + i * kSeg, kSeg, i * kSeg));
  f.Deliver(WentLiveEvent(stream, host, "Reconnects", /*resumed=*/true));
  for (int i = 3; i < 6; ++i) {
    f.Deliver(SegmentEvent(stream, i, kT0 + 15 * kSecond + (i - 3) * kSeg, kSeg, i * kSeg,
                           /*discontinuity=*/i == 3, "ses_2"));
  }
  if (end) f.Deliver(EndedEvent(stream, host, 6, vi::RECORDING_CHOICE_SAVE));
}

TEST_CASE("sales across a reconnect land on the recording's timeline, not the wall clock") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  Reconnected(f, stream, host);
  f.Deliver(SaleEvent(stream, host, "ord_a", "prd_1", kT0 + 3 * kSecond + 123'456));
  f.Deliver(SaleEvent(stream, host, "ord_gap", "prd_1", kT0 + 9 * kSecond));
  f.Deliver(SaleEvent(stream, host, "ord_b", "prd_2", kT0 + 16 * kSecond + 500'000));
  f.Deliver(SaleEvent(stream, host, "ord_before", "prd_2", kT0 - 60 * kSecond));
  f.Deliver(SaleEvent(stream, host, "ord_after", "prd_2", kT0 + 3600 * kSecond));
  CHECK(PlacementOf(f, "ord_a") == At(3'123'456, 1, false));
  // In the reconnect gap: the first segment after it, flagged clamped.
  CHECK(PlacementOf(f, "ord_gap") == At(6 * kSecond, 3, true));
  // 1.5 s into session 2 is 7.5 s into the recording (6 s of session 1 before it).
  CHECK(PlacementOf(f, "ord_b") == At(7'500'000, 3, false));
  CHECK(PlacementOf(f, "ord_before") == At(0, 0, true));
  CHECK(PlacementOf(f, "ord_after") == At(12 * kSecond, 5, true));
  CHECK(f.Text("SELECT id FROM markers WHERE order_id = 'ord_a'").rfind("mom_", 0) == 0);
}

TEST_CASE("a sale that arrives before its segment waits, and is placed when the segment comes") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  f.Deliver(WentLiveEvent(stream, host, "Live"));
  f.Deliver(SegmentEvent(stream, 0, kT0, kSeg, 0));
  f.Deliver(SaleEvent(stream, host, "ord_early", "prd_1", kT0 + 2 * kSecond + 700'000));
  CHECK(PlacementOf(f, "ord_early") == "unplaced");
  f.Deliver(SegmentEvent(stream, 1, kT0 + kSeg, kSeg, kSeg));
  CHECK(PlacementOf(f, "ord_early") == At(2'700'000, 1, false));
}

TEST_CASE("a sale before the stream's recording exists is linked and placed later") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  f.Deliver(SaleEvent(stream, host, "ord_first", "prd_1", kT0 + 4 * kSecond + 10));
  CHECK(f.Count("SELECT count(*) FROM markers WHERE recording_id IS NULL") == 1);
  Reconnected(f, stream, host, /*end=*/false);
  CHECK(f.Count("SELECT count(*) FROM markers WHERE recording_id IS NULL") == 0);
  CHECK(PlacementOf(f, "ord_first") == At(4 * kSecond + 10, 2, false));
}

TEST_CASE("out-of-order segments move a placed sale to its final offset") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  f.Deliver(WentLiveEvent(stream, host, "Shuffled"));
  f.Deliver(SegmentEvent(stream, 0, kT0, kSeg, 0));
  f.Deliver(SegmentEvent(stream, 2, kT0 + 2 * kSeg, kSeg, 2 * kSeg));
  f.Deliver(SaleEvent(stream, host, "ord_in2", "prd_1", kT0 + 2 * kSeg + 300'000));
  f.Deliver(SaleEvent(stream, host, "ord_in1", "prd_1", kT0 + kSeg + 300'000));
  // 1 is missing: the sale in 2 sits where 2 is on what is indexed; the one in 1 waits.
  CHECK(PlacementOf(f, "ord_in2") == At(kSeg + 300'000, 2, false));
  CHECK(PlacementOf(f, "ord_in1") == "unplaced");
  f.Deliver(SegmentEvent(stream, 1, kT0 + kSeg, kSeg, kSeg));
  CHECK(PlacementOf(f, "ord_in2") == At(2 * kSeg + 300'000, 2, false));
  CHECK(PlacementOf(f, "ord_in1") == At(kSeg + 300'000, 1, false));
}

TEST_CASE("a sale after the last segment waits while live and is clamped once the stream ended") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  f.Deliver(WentLiveEvent(stream, host, "Tail"));
  f.Deliver(SegmentEvent(stream, 0, kT0, kSeg, 0));
  f.Deliver(SaleEvent(stream, host, "ord_tail", "prd_1", kT0 + 30 * kSecond));
  CHECK(PlacementOf(f, "ord_tail") == "unplaced");
  f.Deliver(EndedEvent(stream, host, 1, vi::RECORDING_CHOICE_SAVE));
  CHECK(PlacementOf(f, "ord_tail") == At(kSeg, 0, true));
  // And one that arrives after the recording was saved.
  f.Deliver(SaleEvent(stream, host, "ord_late", "prd_1", kT0 + 1'250'000));
  CHECK(PlacementOf(f, "ord_late") == At(1'250'000, 0, false));
}

TEST_CASE("a cancelled sale is marked, and a duplicate sale event is one marker") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  Reconnected(f, stream, host);
  const common::v1::Event sale = SaleEvent(stream, host, "ord_c", "prd_1", kT0 + kSecond);
  f.Deliver(sale);
  f.Deliver(sale);
  CHECK(f.Count("SELECT count(*) FROM markers") == 1);
  f.Deliver(SaleCancelledEvent("ord_c", "prd_1"));
  CHECK(f.Count("SELECT count(*) FROM markers WHERE cancelled") == 1);
}

TEST_CASE("pins and auction closes from product-inventory are placed markers") {
  AppFixture f;
  const std::string stream = ids::NewId("str"), host = ids::NewId("usr");
  Reconnected(f, stream, host);
  realtime_push::v1::RoomEvent pin;
  pin.set_stream_id(stream);
  auto* occurred = pin.mutable_occurred_at();
  occurred->set_seconds((kT0 + 5 * kSecond) / kSecond);
  pin.mutable_pins_changed()->set_product_id("prd_7");
  pin.mutable_pins_changed()->set_pinned_now(true);
  common::v1::Event e;
  e.set_id(ids::NewId("evt"));
  e.set_source("product_inventory");
  e.set_type("product_inventory.pins_changed");
  e.set_aggregate_id(stream);
  e.mutable_payload()->PackFrom(pin);
  f.Deliver(e);
  CHECK(f.Text("SELECT kind || '/' || media_offset_us FROM markers WHERE product_id = 'prd_7'") ==
        "pin/5000000");
  CHECK(f.Text("SELECT id FROM markers WHERE product_id = 'prd_7'").rfind("mrk_", 0) == 0);
}

TEST_CASE("markers that cannot be placed are reported as orphans, not dropped") {
  AppFixture f;
  const std::string nowhere = ids::NewId("str"), host = ids::NewId("usr");
  f.Deliver(SaleEvent(nowhere, host, "ord_orphan", "prd_1", kT0));
  auto fresh = f.app().orphan_watch().RunOnce();
  REQUIRE(fresh.ok());
  CHECK(fresh->count == 0);  // within the grace
  f.Exec("UPDATE markers SET created_at = now() - interval '1 hour'");
  auto report = f.app().orphan_watch().RunOnce();
  REQUIRE(report.ok());
  CHECK(report->count == 1);
  REQUIRE(report->oldest.size() == 1);
  CHECK(report->oldest[0].stream_id == nowhere);
  CHECK(report->oldest[0].recording_id.empty());
  CHECK(f.Count("SELECT count(*) FROM markers") == 1);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
