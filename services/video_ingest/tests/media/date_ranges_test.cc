// EXT-X-DATERANGE as RFC 8216bis 4.4.5.1 wants it: the exact text of each attribute kind;
// hostile values from other services neutralised (quotes, line breaks, controls, bidi overrides,
// invalid UTF-8, length) so no value ends its quoted string or adds a tag or attribute; bad ids,
// classes, names and dates refused; the set's dedupe, order, bound and pruning; and the live
// playlist showing a range at once, under its program date times, and not before it has one.

#include "media/date_ranges.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "media/live_playlist.h"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media {
namespace {

absl::Time At(int hour, int minute, double seconds) {
  return absl::FromCivil(absl::CivilSecond(2026, 12, 5, hour, minute, 0), absl::UTCTimeZone()) +
         absl::Milliseconds(static_cast<int64_t>(seconds * 1000));
}

DateRange Sale(const std::string& id, absl::Time at) {
  DateRange r;
  r.id = id;
  r.class_name = "com.shopcast.sale";
  r.start = at;
  r.duration = absl::ZeroDuration();
  r.attributes = {DateRangeAttribute::Text("X-PRODUCT-ID", "prd_1"),
                  DateRangeAttribute::Number("X-PRICE-MINOR", 1299),
                  DateRangeAttribute::Text("X-CURRENCY", "EUR")};
  return r;
}

std::string ReasonOfStatus(const absl::Status& s) { return std::string(ReasonOf(s)); }

TEST_CASE("date range: the exact tag, every attribute kind", "[date_ranges]") {
  CHECK(RenderDateRange(Sale("evt_1", At(10, 0, 1.5))) ==
        "#EXT-X-DATERANGE:ID=\"evt_1\",CLASS=\"com.shopcast.sale\","
        "START-DATE=\"2026-12-05T10:00:01.500Z\",DURATION=0.000,X-PRODUCT-ID=\"prd_1\","
        "X-PRICE-MINOR=1299,X-CURRENCY=\"EUR\"\n");

  DateRange flash;
  flash.id = "flash-prd_9-1";
  flash.class_name = "com.shopcast.flash-sale";
  flash.start = At(10, 5, 0);
  flash.end = At(10, 15, 0);
  flash.planned_duration = absl::Seconds(600);
  CHECK(RenderDateRange(flash) ==
        "#EXT-X-DATERANGE:ID=\"flash-prd_9-1\",CLASS=\"com.shopcast.flash-sale\","
        "START-DATE=\"2026-12-05T10:05:00.000Z\",END-DATE=\"2026-12-05T10:15:00.000Z\","
        "PLANNED-DURATION=600.000\n");

  DateRange bare;
  bare.id = "a";
  bare.start = At(0, 0, 0) + absl::Microseconds(1499);  // rounded to the millisecond
  bare.duration = absl::Milliseconds(2500);
  CHECK(RenderDateRange(bare) ==
        "#EXT-X-DATERANGE:ID=\"a\",START-DATE=\"2026-12-05T00:00:00.001Z\",DURATION=2.500\n");
}

TEST_CASE("date range: hostile text cannot leave its quoted string", "[date_ranges]") {
  DateRange r = Sale("evt_2", At(10, 0, 0));
  r.attributes = {
      DateRangeAttribute::Text("X-TITLE", "Mug\",X-EVIL=\"1\n#EXT-X-ENDLIST\r\n#EXTINF:1,\nx.ts"),
      DateRangeAttribute::Text("X-BUYER",
                               "a\tb\x01"
                               "c\x7f"
                               "d,e=f"),
      DateRangeAttribute::Text("X-BIDI", "ab\u202Egnp.exe\u2066x\u2069\u200F"),
      DateRangeAttribute::Text("X-BYTES", std::string("ok\xff\xc3(\xe2\x82", 7)),
  };
  const std::string line = RenderDateRange(r);
  INFO(line);
  // One line, one tag; quotes balanced; no attribute but ours.
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);
  CHECK(line.back() == '\n');
  CHECK(!absl::StrContains(line, "\r"));
  CHECK(std::count(line.begin(), line.end(), '"') % 2 == 0);
  CHECK(!absl::StrContains(line, "X-EVIL=\""));
  CHECK(absl::StrContains(
      line, "X-TITLE=\"Mug',X-EVIL='1 #EXT-X-ENDLIST  #EXTINF:1, x.ts\",X-BUYER=\"a b c d,e=f\""));
  CHECK(absl::StrContains(line, "X-BIDI=\"ab gnp.exe x  \""));
  // Invalid UTF-8 becomes U+FFFD, valid characters stay.
  CHECK(absl::StrContains(line, "X-BYTES=\"ok\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\""));

  // Neutralising is the only thing that touches text.
  CHECK(NeutralizeQuotedText("Çà et là, 1 € — ok") == "Çà et là, 1 € — ok");
  CHECK(NeutralizeQuotedText("\u2028line\u2029") == " line ");
}

TEST_CASE("date range: long text is cut on a character boundary", "[date_ranges]") {
  std::string euros;
  for (int i = 0; i < 200; ++i) euros += "€";  // 3 bytes each: 600 bytes
  const std::string cut = NeutralizeQuotedText(euros);
  CHECK(cut.size() == 255);  // 85 whole characters fit in 256 bytes
  CHECK(cut == euros.substr(0, 255));
  CHECK(NeutralizeQuotedText(std::string(1000, 'a')).size() == kMaxDateRangeTextBytes);
}

TEST_CASE("date range: bad ids, classes, names, numbers and dates are refused", "[date_ranges]") {
  auto reason = [](auto mutate) {
    DateRange r = Sale("evt_3", At(10, 0, 0));
    mutate(r);
    return ReasonOfStatus(ValidateDateRange(r));
  };
  CHECK(reason([](DateRange&) {}) == "");
  CHECK(reason([](DateRange& r) { r.id = ""; }) == "DATERANGE_ID_INVALID");
  CHECK(reason([](DateRange& r) { r.id = "a\"b"; }) == "DATERANGE_ID_INVALID");
  CHECK(reason([](DateRange& r) { r.id = "a b"; }) == "DATERANGE_ID_INVALID");
  CHECK(reason([](DateRange& r) { r.id = "a,b"; }) == "DATERANGE_ID_INVALID");
  CHECK(reason([](DateRange& r) { r.id = std::string(65, 'a'); }) == "DATERANGE_ID_INVALID");
  CHECK(reason([](DateRange& r) { r.id = std::string(64, 'a'); }) == "");
  CHECK(reason([](DateRange& r) { r.class_name = "com.Shopcast"; }) == "DATERANGE_CLASS_INVALID");
  CHECK(reason([](DateRange& r) { r.class_name = "com.x\",X-A=\"1"; }) ==
        "DATERANGE_CLASS_INVALID");
  CHECK(reason([](DateRange& r) { r.class_name = ".com"; }) == "DATERANGE_CLASS_INVALID");
  CHECK(reason([](DateRange& r) { r.attributes[0].name = "PRODUCT"; }) ==
        "DATERANGE_ATTRIBUTE_INVALID");
  CHECK(reason([](DateRange& r) { r.attributes[0].name = "X-"; }) == "DATERANGE_ATTRIBUTE_INVALID");
  CHECK(reason([](DateRange& r) { r.attributes[0].name = "X-product"; }) ==
        "DATERANGE_ATTRIBUTE_INVALID");
  CHECK(reason([](DateRange& r) { r.attributes[0].name = "X-A=1,X-B"; }) ==
        "DATERANGE_ATTRIBUTE_INVALID");
  CHECK(reason([](DateRange& r) { r.attributes[1].name = r.attributes[0].name; }) ==
        "DATERANGE_ATTRIBUTE_INVALID");
  // The spec's decimal-floating-point has no sign.
  CHECK(reason([](DateRange& r) { r.attributes[1].number = -1; }) == "DATERANGE_ATTRIBUTE_INVALID");
  CHECK(reason([](DateRange& r) {
          r.attributes.assign(17, DateRangeAttribute::Number("X-N", 1));
        }) == "DATERANGE_TOO_MANY_ATTRIBUTES");
  CHECK(reason([](DateRange& r) { r.end = r.start - absl::Seconds(1); }) ==
        "DATERANGE_DATES_INVALID");
  CHECK(reason([](DateRange& r) { r.end = r.start + absl::Seconds(1); }) ==
        "DATERANGE_DATES_INVALID");  // DURATION=0 says otherwise
  CHECK(reason([](DateRange& r) {
          r.end = r.start + absl::Seconds(1);
          r.duration = absl::Seconds(1);
        }) == "");
  CHECK(reason([](DateRange& r) { r.duration = absl::Seconds(-1); }) == "DATERANGE_DATES_INVALID");
  CHECK(reason([](DateRange& r) { r.planned_duration = absl::Seconds(-1); }) ==
        "DATERANGE_DATES_INVALID");
  CHECK(reason([](DateRange& r) { r.start = absl::InfinitePast(); }) == "DATERANGE_DATES_INVALID");
  CHECK(reason([](DateRange& r) { r.start = absl::InfiniteFuture(); }) ==
        "DATERANGE_DATES_INVALID");
}

TEST_CASE("date range set: dedupe by id, order by start, bound, prune", "[date_ranges]") {
  DateRangeSet set(3);
  CHECK(set.Add(Sale("b", At(10, 0, 2))).value());
  CHECK(set.Add(Sale("a", At(10, 0, 1))).value());
  // The same id again, even with other values: the first stays.
  DateRange again = Sale("b", At(10, 0, 9));
  again.attributes.clear();
  CHECK(!set.Add(again).value());
  CHECK(set.size() == 2);
  CHECK(ReasonOf(set.Add(Sale("bad id", At(10, 0, 0))).status()) == "DATERANGE_ID_INVALID");

  std::string text = set.Render(At(10, 0, 0));
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  REQUIRE(lines.size() == 2);
  CHECK(absl::StartsWith(lines[0], "#EXT-X-DATERANGE:ID=\"a\""));
  CHECK(absl::StrContains(lines[1], "START-DATE=\"2026-12-05T10:00:02.000Z\""));

  // Full: the range that ended first makes room; one that ended before all of them is not kept.
  CHECK(set.Add(Sale("c", At(10, 0, 3))).value());
  CHECK(set.Add(Sale("d", At(10, 0, 4))).value());
  CHECK(set.size() == 3);
  CHECK(!set.Contains("a"));
  CHECK(!set.Add(Sale("old", At(9, 0, 0))).value());
  CHECK(!set.Contains("old"));

  // A range that lasts is kept while it applies; instants go once the window passes them.
  DateRange flash;
  flash.id = "flash";
  flash.class_name = "com.shopcast.flash-sale";
  flash.start = At(10, 0, 0);
  flash.end = At(10, 30, 0);
  CHECK(set.Add(flash).value());  // evicts b (ended first)
  CHECK(set.Render(At(10, 0, 3)).find("ID=\"c\"") != std::string::npos);
  // Rendering leaves out what ended before the window; pruning forgets it.
  CHECK(set.Render(At(10, 0, 3.5)).find("ID=\"c\"") == std::string::npos);
  CHECK(set.Prune(At(10, 0, 4)) == 1);  // c; d ends exactly at the window start
  CHECK(set.Contains("d"));
  CHECK(set.Prune(At(10, 20, 0)) == 1);
  CHECK(set.Contains("flash"));
  CHECK(set.Prune(At(10, 30, 0.001)) == 1);
  CHECK(set.size() == 0);
  CHECK(set.Render(At(0, 0, 0)).empty());
}

// ---- in the live playlist ----

SegmentInfo SegmentAt(int64_t sequence, absl::Time pdt) {
  SegmentInfo s;
  s.sequence = sequence;
  s.program_date_time = pdt;
  s.duration = absl::Seconds(2);
  s.path = absl::StrCat("str_x/", sequence, ".ts");
  s.size_bytes = 1000;
  return s;
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("live playlist: a date range is written at once, after the header", "[date_ranges]") {
  shopcast::testing::TempDir dir;
  LivePlaylist::Options options;
  options.stream_dir = dir.path();
  options.target_duration = absl::Seconds(2);
  options.window = 2;
  int writes = 0;
  options.on_written = [&](const PlaylistProgress&) { ++writes; };
  LivePlaylist playlist(options, 0, absl::ZeroDuration());

  // No program date time yet: kept, not written (a DATERANGE needs one in the playlist).
  CHECK(!playlist.AddDateRange(Sale("early", At(10, 0, 1))).value());
  CHECK(writes == 0);
  CHECK(!std::filesystem::exists(dir.path() / "live.m3u8"));

  REQUIRE(playlist.Append(SegmentAt(0, At(10, 0, 0)), MediaInfo{}).ok());
  const std::string first = ReadFile(dir.path() / "live.m3u8");
  CHECK(absl::StrContains(first, "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DATERANGE:ID=\"early\""));

  // Shown the moment it is added, without waiting for a segment.
  const int before = writes;
  CHECK(playlist.AddDateRange(Sale("now", At(10, 0, 1.8))).value());
  CHECK(writes == before + 1);
  const std::string text = ReadFile(dir.path() / "live.m3u8");
  CHECK(text == playlist.MediaPlaylistText());
  CHECK(absl::StrContains(text,
                          "#EXT-X-MEDIA-SEQUENCE:0\n"
                          "#EXT-X-DATERANGE:ID=\"early\",CLASS=\"com.shopcast.sale\","
                          "START-DATE=\"2026-12-05T10:00:01.000Z\""));
  CHECK(absl::StrContains(text, "#EXT-X-DATERANGE:ID=\"now\""));
  CHECK(text.find("#EXT-X-DATERANGE") < text.find("#EXT-X-PROGRAM-DATE-TIME"));

  // A duplicate writes nothing.
  CHECK(!playlist.AddDateRange(Sale("now", At(10, 0, 1.8))).value());
  CHECK(writes == before + 1);
  CHECK(ReasonOf(playlist.AddDateRange(Sale("a\"b", At(10, 0, 1))).status()) ==
        "DATERANGE_ID_INVALID");

  // The window slides past both instants: they leave the playlist with their segment.
  REQUIRE(playlist.Append(SegmentAt(1, At(10, 0, 2)), MediaInfo{}).ok());
  REQUIRE(playlist.Append(SegmentAt(2, At(10, 0, 4)), MediaInfo{}).ok());
  CHECK(!absl::StrContains(ReadFile(dir.path() / "live.m3u8"), "EXT-X-DATERANGE"));

  // An ended playlist takes no more.
  REQUIRE(playlist.End().ok());
  CHECK(ReasonOf(playlist.AddDateRange(Sale("late", At(10, 0, 5))).status()) == "PLAYLIST_ENDED");
}

}  // namespace
}  // namespace shopcast::video_ingest::media
