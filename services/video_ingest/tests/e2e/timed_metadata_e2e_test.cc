// Live timed metadata end to end: a real ffmpeg publishes over RTMP with 2 s segments; events
// delivered to the internal EventSink as the order and product-inventory relays send them (a
// sale, a pin, an auction's close, a flash sale) show up in the stream's live playlist as
// EXT-X-DATERANGE tags with the right CLASS and X- attributes within a part's duration of the
// delivery (not at the next segment), their START-DATE on the playlist's program-date-time
// clock; a redelivery adds nothing; a marker for another stream shows nowhere here; a marker
// delivered to another replica reaches the one holding the stream as quickly; hostile
// text cannot break the playlist, which ffprobe still plays; the metrics count them.

#include <algorithm>
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ingest_fixture.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/testing/wait.h"

namespace shopcast::video_ingest::e2e {
namespace {

namespace rp = ::shopcast::realtime_push::v1;
using common::v1::STREAM_STATUS_LIVE;

void SetTime(google::protobuf::Timestamp* t, absl::Time at) {
  const int64_t us = absl::ToUnixMicros(at);
  t->set_seconds(us / 1'000'000);
  t->set_nanos(static_cast<int32_t>((us % 1'000'000) * 1000));
}

common::v1::Event EventOf(const std::string& id, const std::string& source, const std::string& type,
                          const std::string& aggregate, const google::protobuf::Message& payload) {
  common::v1::Event e;
  e.set_id(id);
  e.set_source(source);
  e.set_type(type);
  e.set_aggregate_id(aggregate);
  SetTime(e.mutable_occurred_at(), absl::Now());
  e.mutable_payload()->PackFrom(payload);
  return e;
}

common::v1::Event SaleEvent(const std::string& id, const std::string& stream,
                            const std::string& order, const std::string& title) {
  order::v1::SaleRecorded s;
  s.set_order_id(order);
  s.set_stream_id(stream);
  s.set_product_id("prd_e2e1");
  s.set_product_title(title);
  s.set_quantity(1);
  s.mutable_unit_price()->set_amount_minor(2499);
  s.mutable_unit_price()->set_currency("EUR");
  SetTime(s.mutable_sold_at(), absl::Now());  // the order's commit, on this machine's clock
  return EventOf(id, "order", "order.sale_recorded", order, s);
}

// The EXT-X-DATERANGE line with this ID in `playlist`, or "".
std::string DateRangeLine(const std::string& playlist, const std::string& id) {
  for (absl::string_view line : absl::StrSplit(playlist, '\n')) {
    if (absl::StartsWith(line, absl::StrCat("#EXT-X-DATERANGE:ID=\"", id, "\""))) {
      return std::string(line);
    }
  }
  return "";
}

absl::Time StartDate(const std::string& line) {
  const std::string key = "START-DATE=\"";
  const size_t at = line.find(key);
  REQUIRE(at != std::string::npos);
  const std::string value =
      line.substr(at + key.size(), line.find('"', at + key.size()) - (at + key.size()));
  absl::Time t;
  std::string err;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, value, &t, &err));
  return t;
}

double MetricSum(const std::string& metrics, const std::string& prefix) {
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::StartsWith(line, prefix)) sum += std::stod(std::string(line.substr(line.rfind(' '))));
  }
  return sum;
}

// Delivers `event` and waits for its date range in the stream's live playlist; returns how long
// that took from just before the delivery, and the tag and the playlist it appeared in.
struct Shown {
  absl::Duration after;
  std::string line;
  MediaPlaylist playlist;
};
Shown DeliverAndWait(const IngestServer& server, const std::string& stream,
                     const common::v1::Event& event, const std::string& id) {
  const absl::Time sent = absl::Now();
  server.DeliverEvents({event});
  Shown shown;
  const bool seen = testing::WaitUntil(
      [&] {
        shown.playlist = server.ReadPlaylist(stream);
        shown.line = DateRangeLine(shown.playlist.text, id);
        return !shown.line.empty();
      },
      absl::Seconds(10), absl::Milliseconds(10));
  shown.after = absl::Now() - sent;
  INFO(shown.playlist.text);
  REQUIRE(seen);
  return shown;
}

TEST_CASE("Events other services publish show in the live playlist as EXT-X-DATERANGE at once") {
  ServerOptions options;
  options.target_duration = absl::Seconds(2);  // today's segment length
  options.instance_id = "video-ingest-0";
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  CreatedStream other = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(server.WaitForSegments(s.id, 2, absl::Seconds(30)));

  // A sale: shown well within a part's duration, not at the next segment (2 s away at most).
  const Shown sale = DeliverAndWait(
      server, s.id,
      SaleEvent("evt_e2esale1", s.id, "ord_e2e1", "Mug \"XL\",X-EVIL=\"1\n#EXT-X-ENDLIST"),
      "sale:evt_e2esale1");
  CHECK(sale.after < absl::Seconds(1));
  CHECK(absl::StartsWith(sale.line,
                         "#EXT-X-DATERANGE:ID=\"sale:evt_e2esale1\",CLASS=\"com.shopcast.sale\","
                         "START-DATE=\""));
  CHECK(absl::StrContains(sale.line,
                          "\",DURATION=0.000,X-ORDER-ID=\"ord_e2e1\",X-PRODUCT-ID=\"prd_e2e1\","
                          "X-PRODUCT-TITLE=\"Mug 'XL',X-EVIL='1 #EXT-X-ENDLIST\",X-QUANTITY=1,"
                          "X-PRICE-MINOR=2499,X-CURRENCY=\"EUR\""));
  CHECK(!sale.playlist.ended);
  // START-DATE is on the playlist's clock: inside the media it lists (the sale happened while
  // the last listed segment, or the one being cut, was on air).
  REQUIRE(!sale.playlist.entries.empty());
  const absl::Time start = StartDate(sale.line);
  const PlaylistEntry& last = sale.playlist.entries.back();
  CHECK(start >= sale.playlist.entries.front().program_date_time);
  CHECK(start <= last.program_date_time + absl::Seconds(last.duration) + absl::Seconds(5));
  // Placed in the header, before the first segment.
  CHECK(sale.playlist.text.find("#EXT-X-DATERANGE") <
        sale.playlist.text.find("#EXT-X-PROGRAM-DATE-TIME"));

  // A pin and an auction's close, as product-inventory's relay sends them.
  rp::RoomEvent pin;
  pin.mutable_pins_changed()->set_product_id("prd_e2e2");
  pin.mutable_pins_changed()->set_pinned_now(true);
  rp::ProductCard* card = pin.mutable_pins_changed()->add_pinned();
  card->set_product_id("prd_e2e2");
  card->set_title("Lamp");
  const Shown pinned = DeliverAndWait(
      server, s.id,
      EventOf("evt_e2epin1", "product_inventory", "product_inventory.pins_changed", s.id, pin),
      "pin:evt_e2epin1");
  CHECK(pinned.after < absl::Seconds(1));
  CHECK(absl::StrContains(pinned.line, "CLASS=\"com.shopcast.pin\""));
  CHECK(absl::StrContains(pinned.line, "X-PRODUCT-ID=\"prd_e2e2\",X-PRODUCT-TITLE=\"Lamp\""));

  rp::RoomEvent closed;
  closed.set_stream_id(s.id);
  SetTime(closed.mutable_occurred_at(), absl::Now());
  closed.mutable_auction_closed()->mutable_auction()->set_auction_id("auc_e2e1");
  closed.mutable_auction_closed()->mutable_auction()->set_product_id("prd_e2e3");
  closed.mutable_auction_closed()->set_result(rp::AUCTION_RESULT_SOLD);
  closed.mutable_auction_closed()->mutable_winning_amount()->set_amount_minor(12000);
  closed.mutable_auction_closed()->mutable_winning_amount()->set_currency("EUR");
  const Shown auction = DeliverAndWait(
      server, s.id,
      EventOf("evt_e2eauc1", "product_inventory", "product_inventory.auction_closed", s.id, closed),
      "auction:auc_e2e1");
  CHECK(auction.after < absl::Seconds(1));
  CHECK(absl::StrContains(auction.line, "CLASS=\"com.shopcast.auction-close\""));
  CHECK(absl::StrContains(auction.line, "X-RESULT=\"sold\",X-PRICE-MINOR=12000"));

  // A flash sale opening in a minute: a range with its END-DATE, shown ahead of time.
  rp::RoomEvent stock;
  stock.set_stream_id(s.id);
  stock.mutable_stock_changed()->set_product_id("prd_e2e4");
  rp::FlashSaleCard* flash = stock.mutable_stock_changed()->mutable_flash_sale();
  const absl::Time opens = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 60);
  SetTime(flash->mutable_opens_at(), opens);
  SetTime(flash->mutable_closes_at(), opens + absl::Minutes(5));
  flash->set_stock_cap(20);
  const std::string flash_id = absl::StrCat("flash:prd_e2e4:", absl::ToUnixMillis(opens));
  const Shown sale_opening = DeliverAndWait(
      server, s.id,
      EventOf("evt_e2eflash1", "product_inventory", "product_inventory.stock_changed", s.id, stock),
      flash_id);
  CHECK(absl::StrContains(sale_opening.line, "CLASS=\"com.shopcast.flash-sale\""));
  CHECK(absl::StrContains(sale_opening.line, "END-DATE=\""));
  CHECK(absl::StrContains(sale_opening.line, "X-STOCK-CAP=20"));

  // The same sale redelivered, and the same flash sale in another stock event: nothing new.
  // A sale on another stream: never in this playlist, and that stream has none.
  server.DeliverEvents(
      {SaleEvent("evt_e2esale1", s.id, "ord_e2e1", "Mug"),
       EventOf("evt_e2eflash2", "product_inventory", "product_inventory.stock_low", s.id, stock),
       SaleEvent("evt_e2esale2", other.id, "ord_e2e2", "Other")});
  // A marker delivered after those shows, so they have been handled by then.
  const Shown later = DeliverAndWait(
      server, s.id, SaleEvent("evt_e2esale3", s.id, "ord_e2e3", "Cup"), "sale:evt_e2esale3");
  CHECK(later.after < absl::Seconds(1));
  const std::string text = later.playlist.text;
  auto occurrences = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  CHECK(occurrences("ID=\"sale:evt_e2esale1\"") == 1);
  CHECK(occurrences(flash_id) == 1);
  CHECK(!absl::StrContains(text, "evt_e2esale2"));
  CHECK(!absl::StrContains(text, "ord_e2e2"));
  CHECK(server.Get("/live/" + other.id + "/live.m3u8").status == 404);

  // The relay may reach any replica: a sale delivered to another one (same database) shows in
  // the playlist of the replica that holds the stream, as quickly.
  ServerOptions second = options;
  second.instance_id = "video-ingest-1";
  second.replica_of = &server;
  IngestServer replica(second);
  const absl::Time sent = absl::Now();
  replica.DeliverEvents({SaleEvent("evt_e2esale4", s.id, "ord_e2e4", "Plate")});
  std::string playlist;
  REQUIRE(testing::WaitUntil(
      [&] {
        playlist = server.ReadPlaylist(s.id).text;
        return !DateRangeLine(playlist, "sale:evt_e2esale4").empty();
      },
      absl::Seconds(10), absl::Milliseconds(10)));
  CHECK(absl::Now() - sent < absl::Seconds(1));

  // Still a playlist players take, tags and all.
  const std::vector<std::string> codecs = ProbeCodecs(server.PlaybackUrl(s.id));
  CHECK(std::find(codecs.begin(), codecs.end(), "h264") != codecs.end());

  const std::string metrics = server.Metrics();
  CHECK(MetricSum(metrics, "ingest_markers_received_total{kind=\"sale\"}") == 3);  // 1, 2, 3
  CHECK(MetricSum(metrics, "ingest_markers_received_total{kind=\"flash_sale\"}") == 1);
  CHECK(MetricSum(metrics, "ingest_markers_shown_total{kind=\"sale\"}") == 3);  // 1, 3, 4
  CHECK(MetricSum(metrics, "ingest_markers_shown_total{kind=\"pin\"}") == 1);
  CHECK(MetricSum(metrics, "ingest_marker_lag_seconds_count") == 6);
  CHECK(MetricSum(replica.Metrics(), "ingest_markers_received_total{kind=\"sale\"}") == 1);
  CHECK(MetricSum(metrics, "ingest_marker_listen_connected") == 1);

  ffmpeg.Kill();
}

}  // namespace
}  // namespace shopcast::video_ingest::e2e
