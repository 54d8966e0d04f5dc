// The marker feed on a fake source and real playlists: each marker reaches the playlist of its
// stream once, at once (the playlist file rewritten), and no other stream's; a stream this
// replica does not write gets nothing; a database failure is counted and the next round
// catches up; a marker stored before the stream's first segment shows with it; a stream's
// markers are handed again to a new session's playlist; the read asks only for the horizon.

#include "ingest/marker_feed.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "prometheus/text_serializer.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'764'900'000);

class FakeSource : public streams::MarkerSource {
 public:
  absl::StatusOr<std::vector<streams::Marker>> Applying(const std::vector<std::string>& stream_ids,
                                                        absl::Time since) override {
    asked.push_back({stream_ids, since});
    if (!fail.ok()) return fail;
    std::vector<streams::Marker> out;
    for (const streams::Marker& m : markers) {
      const absl::Time last = m.ends_at ? *m.ends_at : m.starts_at;
      if (last >= since &&
          std::find(stream_ids.begin(), stream_ids.end(), m.stream_id) != stream_ids.end()) {
        out.push_back(m);
      }
    }
    return out;
  }
  absl::StatusOr<int> PurgeEndedBefore(absl::Time) override { return 0; }
  std::vector<streams::Marker> markers;
  absl::Status fail;
  std::vector<std::pair<std::vector<std::string>, absl::Time>> asked;
};

streams::Marker Sale(const std::string& stream, const std::string& id, absl::Time at) {
  streams::Marker m;
  m.marker_id = id;
  m.event_id = "evt_" + id;
  m.stream_id = stream;
  m.kind = streams::kMarkerSale;
  m.starts_at = at;
  m.occurred_at = at;
  m.attributes = {{"X-ORDER-ID", "ord_1", std::nullopt}, {"X-QUANTITY", "", 1}};
  return m;
}

struct Stream {
  explicit Stream(const shopcast::testing::TempDir& root, const std::string& id) {
    std::filesystem::create_directories(root.path() / id);
    media::LivePlaylist::Options o;
    o.stream_dir = root.path() / id;
    o.target_duration = absl::Seconds(2);
    o.window = 3;
    o.on_written = [this](const media::PlaylistProgress&) { ++writes; };
    playlist = std::make_shared<media::LivePlaylist>(o, 0, absl::ZeroDuration());
    dir = o.stream_dir;
  }
  void AppendAt(int64_t sequence, absl::Time pdt) {
    SegmentInfo s;
    s.sequence = sequence;
    s.program_date_time = pdt;
    s.duration = absl::Seconds(2);
    s.path = absl::StrCat("x/", sequence, ".ts");
    REQUIRE(playlist->Append(s, MediaInfo{}).ok());
  }
  std::string File() const {
    std::ifstream in(dir / "live.m3u8");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::shared_ptr<media::LivePlaylist> playlist;
  std::filesystem::path dir;
  int writes = 0;
};

double MetricValue(prometheus::Registry& registry, const std::string& name) {
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (absl::StartsWith(line, name + " ") || absl::StartsWith(line, name + "{")) {
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return -1;
}

TEST_CASE("marker feed: each marker once, at once, to its own stream's playlist", "[marker_feed]") {
  shopcast::testing::TempDir root;
  Stream a(root, "str_a"), b(root, "str_b");
  a.AppendAt(0, kT0);
  b.AppendAt(0, kT0);
  FakeSource source;
  std::vector<std::pair<std::string, std::shared_ptr<media::LivePlaylist>>> held = {
      {"str_a", a.playlist}, {"str_b", b.playlist}};
  absl::Time now = kT0 + absl::Seconds(1);
  MarkerFeedOptions options;
  options.horizon = absl::Seconds(30);
  options.now = [&] { return now; };
  prometheus::Registry registry;
  MarkerFeed feed(
      options, source, [&] { return held; }, &registry);

  CHECK(feed.RunOnce().value() == 0);
  REQUIRE(source.asked.size() == 1);
  CHECK(source.asked[0].first == std::vector<std::string>{"str_a", "str_b"});
  CHECK(source.asked[0].second == now - absl::Seconds(30));

  source.markers = {Sale("str_a", "sale:1", kT0 + absl::Milliseconds(900)),
                    Sale("str_other", "sale:2", kT0 + absl::Milliseconds(900))};
  const int writes_before = a.writes;
  CHECK(feed.RunOnce().value() == 1);
  CHECK(a.writes == writes_before + 1);  // written at once, no segment needed
  CHECK(absl::StrContains(a.File(),
                          "#EXT-X-DATERANGE:ID=\"sale:1\",CLASS=\"com.shopcast.sale\","
                          "START-DATE=\"2025-12-05T02:00:00.900Z\",DURATION=0.000,"
                          "X-ORDER-ID=\"ord_1\",X-QUANTITY=1\n"));
  CHECK(!absl::StrContains(b.File(), "EXT-X-DATERANGE"));
  CHECK(MetricValue(registry, "ingest_markers_shown_total") == 1);
  CHECK(MetricValue(registry, "ingest_marker_lag_seconds_count") == 1);

  // Read again: nothing new, nothing rewritten.
  CHECK(feed.RunOnce().value() == 0);
  CHECK(a.writes == writes_before + 1);

  // A database failure is counted; the next round catches up.
  source.fail = absl::UnavailableError("down");
  CHECK(!feed.RunOnce().ok());
  CHECK(MetricValue(registry, "ingest_marker_reads_failed_total") == 1);
  source.fail = absl::OkStatus();
  source.markers.push_back(Sale("str_b", "sale:3", kT0 + absl::Milliseconds(950)));
  CHECK(feed.RunOnce().value() == 1);
  CHECK(absl::StrContains(b.File(), "ID=\"sale:3\""));
  CHECK(!absl::StrContains(a.File(), "ID=\"sale:3\""));
}

TEST_CASE(
    "marker feed: streams not written here get nothing, a new session's playlist gets "
    "the markers again",
    "[marker_feed]") {
  shopcast::testing::TempDir root;
  Stream a(root, "str_a");
  FakeSource source;
  source.markers = {Sale("str_a", "sale:1", kT0 + absl::Milliseconds(500))};
  std::vector<std::pair<std::string, std::shared_ptr<media::LivePlaylist>>> held;
  absl::Time now = kT0 + absl::Seconds(1);
  MarkerFeedOptions options;
  options.now = [&] { return now; };
  MarkerFeed feed(options, source, [&] { return held; });

  CHECK(feed.RunOnce().value() == 0);
  CHECK(source.asked.empty());  // nothing held: no read at all

  // Before its first segment: kept, shown with the first segment.
  held = {{"str_a", a.playlist}};
  CHECK(feed.RunOnce().value() == 0);
  CHECK(!std::filesystem::exists(a.dir / "live.m3u8"));
  a.AppendAt(0, kT0);
  CHECK(absl::StrContains(a.File(), "ID=\"sale:1\""));
  CHECK(feed.RunOnce().value() == 0);

  // The session ends here and a new one starts with a fresh playlist: handed again.
  held.clear();
  CHECK(feed.RunOnce().value() == 0);
  Stream again(root, "str_a2");
  again.AppendAt(0, kT0);
  held = {{"str_a", again.playlist}};
  CHECK(feed.RunOnce().value() == 1);
  CHECK(absl::StrContains(again.File(), "ID=\"sale:1\""));
}

TEST_CASE("marker feed: a flash sale is a range with an END-DATE", "[marker_feed]") {
  streams::Marker m = Sale("str_a", "flash:prd_1:1", kT0);
  m.kind = streams::kMarkerFlashSale;
  m.ends_at = kT0 + absl::Minutes(10);
  media::DateRange r = DateRangeOf(m);
  CHECK(r.class_name == "com.shopcast.flash-sale");
  CHECK(r.end == kT0 + absl::Minutes(10));
  CHECK(!r.duration);
  CHECK(media::RenderDateRange(r) ==
        "#EXT-X-DATERANGE:ID=\"flash:prd_1:1\",CLASS=\"com.shopcast.flash-sale\","
        "START-DATE=\"2025-12-05T02:00:00.000Z\",END-DATE=\"2025-12-05T02:10:00.000Z\","
        "X-ORDER-ID=\"ord_1\",X-QUANTITY=1\n");
  CHECK(DateRangeOf(Sale("s", "p", kT0)).duration == absl::ZeroDuration());
}

}  // namespace
}  // namespace shopcast::video_ingest
