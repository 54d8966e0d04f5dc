// The VOD playlist: RFC 8216bis structure, program date times across a reconnect, markers at
// the frame the player shows for their offset, and hostile titles that must not break a tag.
#include "playback/vod_playlist.h"

#include <catch2/catch.hpp>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

absl::Time T(const char* s) {
  absl::Time t;
  std::string err;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, s, &t, &err));
  return t;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// Three 2 s segments, a reconnect (discontinuity) 10 s later with a clock that jumped, then two
// more segments of 2.5 s.
PlaylistInput Reconnect() {
  PlaylistInput in;
  in.segments = {
      {10, T("2026-12-05T06:00:00Z"), 2000000, false},
      {11, T("2026-12-05T06:00:02Z"), 2000000, false},
      {12, T("2026-12-05T06:00:04Z"), 2000000, false},
      {13, T("2026-12-05T06:00:16.5Z"), 2500000, true},
      {14, T("2026-12-05T06:00:19Z"), 2500000, false},
  };
  return in;
}

std::string DateRangeLine(const std::string& text, const std::string& id) {
  for (const auto& l : Lines(text)) {
    if (absl::StartsWith(l, "#EXT-X-DATERANGE:ID=\"" + id + "\"")) return l;
  }
  return "";
}

TEST_CASE("A VOD playlist has the RFC 8216bis header, every segment dated, and an end") {
  PlaylistInput in = Reconnect();
  in.uri_suffix = "?token=abc";
  const std::string text = BuildVodPlaylist(in);
  const auto lines = Lines(text);
  REQUIRE(lines.size() > 6);
  CHECK(lines[0] == "#EXTM3U");
  CHECK(absl::StrContains(text, "#EXT-X-VERSION:6\n"));
  CHECK(absl::StrContains(text, "#EXT-X-TARGETDURATION:3\n"));  // ceil(2.5)
  CHECK(absl::StrContains(text, "#EXT-X-PLAYLIST-TYPE:VOD\n"));
  CHECK(absl::StrContains(text, "#EXT-X-MEDIA-SEQUENCE:10\n"));
  CHECK(lines.back() == "#EXT-X-ENDLIST");
  CHECK_FALSE(absl::StrContains(text, "#EXT-X-START"));
  // One date per segment; the discontinuity right before the reconnected one, and its date is
  // the reconnected session's own (no interpolation across the gap).
  CHECK(std::count(lines.begin(), lines.end(), "#EXT-X-DISCONTINUITY") == 1);
  CHECK(absl::StrContains(text,
                          "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:"
                          "2026-12-05T06:00:16.500Z\n#EXTINF:2.500000,\n13.ts?token=abc\n"));
  CHECK(absl::StrContains(text,
                          "#EXT-X-PROGRAM-DATE-TIME:2026-12-05T06:00:00.000Z\n"
                          "#EXTINF:2.000000,\n10.ts?token=abc\n"));
  int uris = 0;
  for (const auto& l : lines) uris += absl::EndsWith(l, ".ts?token=abc") ? 1 : 0;
  CHECK(uris == 5);
}

TEST_CASE("The target duration is the longest segment rounded up, never rounded down") {
  PlaylistInput in;
  in.segments = {{0, T("2026-12-05T06:00:00Z"), 2000001, false},
                 {1, T("2026-12-05T06:00:02Z"), 1000000, false}};
  CHECK(absl::StrContains(BuildVodPlaylist(in), "#EXT-X-TARGETDURATION:3\n"));
  in.segments = {{0, T("2026-12-05T06:00:00Z"), 4000000, false}};
  CHECK(absl::StrContains(BuildVodPlaylist(in), "#EXT-X-TARGETDURATION:4\n"));
}

TEST_CASE("EXT-X-START carries the requested offset, clamped to the recording, PRECISE") {
  PlaylistInput in = Reconnect();
  in.start_offset_us = 7250000;
  CHECK(absl::StrContains(BuildVodPlaylist(in), "#EXT-X-START:TIME-OFFSET=7.250000,PRECISE=YES\n"));
  in.start_offset_us = 999000000;
  CHECK(
      absl::StrContains(BuildVodPlaylist(in), "#EXT-X-START:TIME-OFFSET=11.000000,PRECISE=YES\n"));
  in.start_offset_us = -5;
  CHECK(absl::StrContains(BuildVodPlaylist(in), "#EXT-X-START:TIME-OFFSET=0.000000,PRECISE=YES\n"));
}

TEST_CASE("A marker's START-DATE is the date the player shows at its offset, across a reconnect") {
  PlaylistInput in = Reconnect();
  PlaylistMarker before;  // 3.2 s: in segment 11 (starts at 2 s, dated 06:00:02)
  before.id = "mom_A";
  before.media_offset_us = 3200000;
  PlaylistMarker after;  // 7.25 s: in segment 13 (starts at 6 s, dated 06:00:16.5 after the gap)
  after.id = "mom_B";
  after.media_offset_us = 7250000;
  in.markers = {after, before};
  const std::string text = BuildVodPlaylist(in);
  CHECK(absl::StrContains(DateRangeLine(text, "mom_A"), "START-DATE=\"2026-12-05T06:00:03.200Z\""));
  // Not 06:00:07.250 (first date + offset): the clock jumped at the reconnect.
  CHECK(absl::StrContains(DateRangeLine(text, "mom_B"), "START-DATE=\"2026-12-05T06:00:17.750Z\""));
  // Markers come in media order, before the first segment.
  CHECK(text.find("mom_A") < text.find("mom_B"));
  CHECK(text.find("mom_B") < text.find("#EXT-X-PROGRAM-DATE-TIME"));
}

TEST_CASE(
    "Sale, pin and auction markers carry their class and X- attributes, cancelled sales "
    "are left out") {
  PlaylistInput in = Reconnect();
  PlaylistMarker sale;
  sale.id = "mom_S";
  sale.kind = MarkerKind::kSale;
  sale.media_offset_us = 1000000;
  sale.product_id = "prd_1";
  sale.order_id = "ord_1";
  sale.product_title = "Red scarf";
  sale.quantity = 2;
  sale.amount_minor = 1250;
  sale.currency = "EUR";
  PlaylistMarker yen = sale;
  yen.id = "mom_Y";
  yen.amount_minor = 1500;
  yen.currency = "JPY";
  PlaylistMarker cancelled = sale;
  cancelled.id = "mom_C";
  cancelled.cancelled = true;
  PlaylistMarker pin;
  pin.id = "mrk_P";
  pin.kind = MarkerKind::kPin;
  pin.product_id = "prd_2";
  PlaylistMarker close;
  close.id = "mrk_X";
  close.kind = MarkerKind::kAuctionClose;
  close.auction_id = "auc_1";
  close.result = "sold";
  PlaylistMarker dup = pin;  // same id twice: IDs stay unique
  in.markers = {sale, yen, cancelled, pin, close, dup};
  const std::string text = BuildVodPlaylist(in);
  CHECK(DateRangeLine(text, "mom_S") ==
        "#EXT-X-DATERANGE:ID=\"mom_S\",CLASS=\"com.shopcast.sale\",START-DATE=\"2026-12-05T06:00:"
        "01.000Z\",X-PRODUCT-ID=\"prd_1\",X-ORDER-ID=\"ord_1\",X-QUANTITY=2,X-PRICE=\"12.50 EUR\","
        "X-PRODUCT-TITLE=\"Red scarf\"");
  CHECK(absl::StrContains(DateRangeLine(text, "mom_Y"), "X-PRICE=\"1500 JPY\""));
  CHECK(DateRangeLine(text, "mom_C").empty());
  CHECK(absl::StrContains(DateRangeLine(text, "mrk_P"), "CLASS=\"com.shopcast.pin\""));
  CHECK(absl::StrContains(
      DateRangeLine(text, "mrk_X"),
      "CLASS=\"com.shopcast.auction-close\",START-DATE=\"2026-12-05T06:00:00.000Z\""
      ",X-AUCTION-ID=\"auc_1\",X-RESULT=\"sold\""));
  size_t count = 0;
  for (size_t at = text.find("ID=\"mrk_P\""); at != std::string::npos;
       at = text.find("ID=\"mrk_P\"", at + 1)) {
    ++count;
  }
  CHECK(count == 1);
}

TEST_CASE("Hostile titles cannot break out of their quoted string or the tag's line") {
  PlaylistInput in = Reconnect();
  PlaylistMarker m;
  m.id = "mom_H";
  m.media_offset_us = 0;
  m.product_title = "A \"quoted\"\r\n#EXT-X-ENDLIST\n,X-EVIL=\"1\"\x01\x7f \xff\xfe end";
  m.product_id = "prd\"\n";
  m.currency = "EU\"";  // not a currency code: no price at all
  in.markers = {m};
  const std::string text = BuildVodPlaylist(in);
  const std::string line = DateRangeLine(text, "mom_H");
  REQUIRE_FALSE(line.empty());
  // Exactly one ENDLIST, at the end; the title's quotes became apostrophes.
  const auto lines = Lines(text);
  CHECK(std::count(lines.begin(), lines.end(), "#EXT-X-ENDLIST") == 1);
  CHECK(absl::StrContains(line, "X-PRODUCT-TITLE=\"A 'quoted'  #EXT-X-ENDLIST ,X-EVIL='1'"));
  CHECK(absl::StrContains(line, "\xEF\xBF\xBD\xEF\xBF\xBD end\""));
  CHECK_FALSE(absl::StrContains(line, "X-PRICE"));
  // Every attribute value of the tag is a well-formed quoted-string or number.
  static const std::regex kAttr(
      R"re(^#EXT-X-DATERANGE:(([A-Z0-9-]+)=("[^"\r\n]*"|[0-9]+)(,|$))+$)re");
  CHECK(std::regex_match(line, kAttr));
}

TEST_CASE("QuotedStringSafe keeps valid UTF-8, cuts on a character boundary") {
  CHECK(QuotedStringSafe("Écharpe «rouge» 🧣") == "Écharpe «rouge» 🧣");
  CHECK(QuotedStringSafe("\xC3\xA9\xC3\xA9", 3) == "\xC3\xA9");
  CHECK(QuotedStringSafe("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(QuotedStringSafe("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(QuotedStringSafe("a\xE2\x80\xA8"
                         "b") ==
        "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
        "b");
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::playback
