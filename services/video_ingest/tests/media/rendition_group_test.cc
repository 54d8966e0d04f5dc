// EXT-X-RENDITION-REPORT: the group of a stream's media playlists on its own (relative URIs,
// what a report says, members joining and leaving) and with real LivePlaylists writing real files
// in one stream folder: the passthrough (live.m3u8) and two rungs (720p/, 480p/), sequentially
// and from threads at once.

#include "media/rendition_group.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "media/live_playlist.h"
#include "shopcast/testing/temp_dir.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using shopcast::testing::ReadFileText;
using shopcast::testing::TempDir;

absl::Time T0() { return absl::FromUnixMillis(1714564800021); }  // 2024-05-01T12:00:00.021Z

SegmentInfo Segment(int64_t sequence, absl::Duration duration) {
  SegmentInfo s;
  s.sequence = sequence;
  s.program_date_time = T0() + sequence * absl::Seconds(2);
  s.duration = duration;
  s.size_bytes = 100'000;
  s.path = absl::StrFormat("%06d.ts", sequence);
  return s;
}

LivePlaylist::PartInfo Part(int64_t sequence, int index) {
  return LivePlaylist::PartInfo{.sequence = sequence,
                                .index = index,
                                .duration = absl::Milliseconds(334),
                                .independent = index == 0,
                                .program_date_time = T0() + sequence * absl::Seconds(2)};
}

// A Low-Latency playlist of the stream folder `root`: "live.m3u8" in it, or a rung's
// "<rung>/live.m3u8".
std::unique_ptr<LivePlaylist> Rendition(const fs::path& root, const std::string& rung,
                                        std::shared_ptr<RenditionGroup> group) {
  LivePlaylist::Options o;
  o.stream_dir = rung.empty() ? root : root / rung;
  fs::create_directories(o.stream_dir);
  o.target_duration = absl::Seconds(2);
  o.part_target = absl::Milliseconds(334);
  o.renditions = std::move(group);
  o.rendition_path = rung.empty() ? "live.m3u8" : rung + "/live.m3u8";
  return std::make_unique<LivePlaylist>(std::move(o), 0, absl::ZeroDuration());
}

// Appends parts 0..5 of segment `sequence` (the last with the segment).
void AppendSegment(LivePlaylist& p, int64_t sequence) {
  for (int i = 0; i < 5; ++i) REQUIRE(p.AppendPart(Part(sequence, i)).ok());
  REQUIRE(
      p.Append(Segment(sequence, absl::Milliseconds(2000)), MediaInfo{}, Part(sequence, 5)).ok());
}

// The EXT-X-RENDITION-REPORT lines of a playlist text.
std::vector<std::string> ReportLines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#EXT-X-RENDITION-REPORT:")) out.emplace_back(line);
  }
  return out;
}

TEST_CASE("rendition URIs are relative to the playlist that lists them", "[renditions]") {
  CHECK(RelativeUri("live.m3u8", "720p/live.m3u8") == "720p/live.m3u8");
  CHECK(RelativeUri("720p/live.m3u8", "live.m3u8") == "../live.m3u8");
  CHECK(RelativeUri("720p/live.m3u8", "480p/live.m3u8") == "../480p/live.m3u8");
  CHECK(RelativeUri("live.m3u8", "audio.m3u8") == "audio.m3u8");
  CHECK(RelativeUri("a/b/x.m3u8", "a/c/y.m3u8") == "../c/y.m3u8");
  CHECK(RelativeUri("a/b/x.m3u8", "y.m3u8") == "../../y.m3u8");

  CHECK(IsValidRenditionPath("live.m3u8"));
  CHECK(IsValidRenditionPath("720p/live.m3u8"));
  for (const char* bad :
       {"", "live.ts", "../live.m3u8", "./live.m3u8", "720p//live.m3u8", "/live.m3u8", "720p/",
        "a b/live.m3u8", "720p\\live.m3u8", "a/b/c/d/e/f/g/h/live.m3u8"}) {
    INFO(bad);
    CHECK_FALSE(IsValidRenditionPath(bad));
  }
  RenditionGroup group;
  CHECK(group.Join("../escape.m3u8") == 0);
  CHECK(group.paths().empty());
}

TEST_CASE("a report names the last part, else the last segment", "[renditions]") {
  // Parts of segment 41 listed: the last of them.
  CHECK(ReportOf({.next_msn = 41, .next_parts = 2, .last_parts = 6}) ==
        RenditionReport{.uri = "", .last_msn = 41, .last_part = 1});
  // Segment 41 not started: segment 40 and its last part.
  CHECK(ReportOf({.next_msn = 41, .next_parts = 0, .last_parts = 6}) ==
        RenditionReport{.uri = "", .last_msn = 40, .last_part = 5});
  // Regular HLS: no LAST-PART.
  CHECK(ReportOf({.next_msn = 41}) ==
        RenditionReport{.uri = "", .last_msn = 40, .last_part = std::nullopt});
  CHECK_FALSE(ReportOf({.next_msn = 0}).has_value());
  CHECK(RenderRenditionReport({.uri = "720p/live.m3u8", .last_msn = 41, .last_part = 1}) ==
        "#EXT-X-RENDITION-REPORT:URI=\"720p/live.m3u8\",LAST-MSN=41,LAST-PART=1\n");
  CHECK(RenderRenditionReport({.uri = "../live.m3u8", .last_msn = 40, .last_part = std::nullopt}) ==
        "#EXT-X-RENDITION-REPORT:URI=\"../live.m3u8\",LAST-MSN=40\n");
}

TEST_CASE("the group reports every other member that published, and forgets those that left",
          "[renditions]") {
  RenditionGroup group;
  const auto a = group.Join("live.m3u8");
  const auto b = group.Join("720p/live.m3u8");
  const auto c = group.Join("480p/live.m3u8");
  CHECK(group.ReportsFor(a).empty());  // nobody has published
  group.Publish(b, {.next_msn = 7, .next_parts = 3});
  group.Publish(c, {.next_msn = 7, .next_parts = 0, .last_parts = 6});
  group.Publish(a, {.next_msn = 7, .next_parts = 4});
  CHECK(group.ReportsFor(a) ==
        std::vector<RenditionReport>{{"480p/live.m3u8", 6, 5}, {"720p/live.m3u8", 7, 2}});
  CHECK(group.ReportsFor(b) ==
        std::vector<RenditionReport>{{"../480p/live.m3u8", 6, 5}, {"../live.m3u8", 7, 3}});
  // A failed rung is taken out by path; its later publishes are ignored.
  CHECK(group.Remove("480p/live.m3u8"));
  CHECK_FALSE(group.Remove("480p/live.m3u8"));
  group.Publish(c, {.next_msn = 8});
  CHECK(group.ReportsFor(a) == std::vector<RenditionReport>{{"720p/live.m3u8", 7, 2}});
  CHECK(group.ReportsFor(c).empty());
  // A fresh playlist at a path replaces the old member; the old id is no longer heard.
  const auto b2 = group.Join("720p/live.m3u8");
  group.Publish(b, {.next_msn = 99});
  CHECK(group.ReportsFor(a).empty());  // b2 has not published yet
  group.Publish(b2, {.next_msn = 9, .next_parts = 1});
  CHECK(group.ReportsFor(a) == std::vector<RenditionReport>{{"720p/live.m3u8", 9, 0}});
  group.Leave(b);  // the replaced id: nothing happens
  CHECK(group.paths() == std::vector<std::string>{"720p/live.m3u8", "live.m3u8"});
  group.Leave(b2);
  CHECK(group.paths() == std::vector<std::string>{"live.m3u8"});
}

TEST_CASE("three LivePlaylists of one stream list each other's rendition reports",
          "[renditions][playlist]") {
  TempDir dir;
  auto group = std::make_shared<RenditionGroup>();
  auto source = Rendition(dir.path(), "", group);
  auto hd = Rendition(dir.path(), "720p", group);
  auto sd = Rendition(dir.path(), "480p", group);
  for (int64_t seq = 0; seq < 2; ++seq) {
    AppendSegment(*source, seq);
    AppendSegment(*hd, seq);
    AppendSegment(*sd, seq);
  }
  // The source is two parts into segment 2, the 720p rung one part, the 480p rung none.
  REQUIRE(source->AppendPart(Part(2, 0)).ok());
  REQUIRE(hd->AppendPart(Part(2, 0)).ok());
  REQUIRE(source->AppendPart(Part(2, 1)).ok());

  // The passthrough's last write (part 1 of segment 2) saw the rungs as they were.
  const std::string top = ReadFileText(dir.path() / "live.m3u8");
  INFO(top);
  CHECK(absl::EndsWith(top,
                       "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"000002_2.ts\"\n"
                       "#EXT-X-RENDITION-REPORT:URI=\"480p/live.m3u8\",LAST-MSN=1,LAST-PART=5\n"
                       "#EXT-X-RENDITION-REPORT:URI=\"720p/live.m3u8\",LAST-MSN=2,LAST-PART=0\n"));
  CHECK(source->MediaPlaylistText() == top);
  // The 720p rung last wrote before the passthrough's part 1.
  CHECK(ReportLines(ReadFileText(dir.path() / "720p" / "live.m3u8")) ==
        std::vector<std::string>{
            "#EXT-X-RENDITION-REPORT:URI=\"../480p/live.m3u8\",LAST-MSN=1,LAST-PART=5",
            "#EXT-X-RENDITION-REPORT:URI=\"../live.m3u8\",LAST-MSN=2,LAST-PART=0"});
  // The 480p rung's text now (not written since): both others up to date.
  CHECK(ReportLines(sd->MediaPlaylistText()) ==
        std::vector<std::string>{
            "#EXT-X-RENDITION-REPORT:URI=\"../720p/live.m3u8\",LAST-MSN=2,LAST-PART=0",
            "#EXT-X-RENDITION-REPORT:URI=\"../live.m3u8\",LAST-MSN=2,LAST-PART=1"});

  // The 480p rung fails: the ladder takes it out; the others stop reporting it at their next
  // write, although its playlist object still exists.
  REQUIRE(group->Remove("480p/live.m3u8"));
  REQUIRE(hd->AppendPart(Part(2, 1)).ok());
  CHECK(ReportLines(ReadFileText(dir.path() / "720p" / "live.m3u8")) ==
        std::vector<std::string>{
            "#EXT-X-RENDITION-REPORT:URI=\"../live.m3u8\",LAST-MSN=2,LAST-PART=1"});
  CHECK(ReportLines(sd->MediaPlaylistText()).empty());
  // A rung that ends leaves too, and an ended playlist lists no reports.
  REQUIRE(hd->End().ok());
  CHECK(ReportLines(ReadFileText(dir.path() / "720p" / "live.m3u8")).empty());
  REQUIRE(source->AppendPart(Part(2, 2)).ok());
  CHECK(ReportLines(ReadFileText(dir.path() / "live.m3u8")).empty());
  // A destroyed playlist leaves the group.
  sd.reset();
  CHECK(group->paths() == std::vector<std::string>{"live.m3u8"});
}

TEST_CASE("a playlist without a group, or without Low-Latency HLS, writes no reports",
          "[renditions][playlist]") {
  TempDir with_group, without;
  auto group = std::make_shared<RenditionGroup>();
  auto grouped = Rendition(with_group.path(), "", group);
  auto alone = Rendition(without.path(), "", nullptr);
  auto other = Rendition(with_group.path(), "720p", group);
  AppendSegment(*other, 0);
  // Alone in its group until the other publishes; the text is then what it is without one.
  AppendSegment(*alone, 0);
  LivePlaylist::Options regular;
  regular.stream_dir = with_group.path() / "regular";
  fs::create_directories(regular.stream_dir);
  regular.target_duration = absl::Seconds(2);
  regular.renditions = group;
  regular.rendition_path = "regular/live.m3u8";
  LivePlaylist regular_playlist(regular, 0, absl::ZeroDuration());
  REQUIRE(regular_playlist.Append(Segment(0, absl::Seconds(2)), MediaInfo{}).ok());
  // Regular HLS neither joins nor lists.
  CHECK(group->paths() == std::vector<std::string>{"720p/live.m3u8", "live.m3u8"});
  CHECK(ReportLines(ReadFileText(regular.stream_dir / "live.m3u8")).empty());
  AppendSegment(*grouped, 0);
  const std::string text = ReadFileText(with_group.path() / "live.m3u8");
  CHECK(ReportLines(text) ==
        std::vector<std::string>{
            "#EXT-X-RENDITION-REPORT:URI=\"720p/live.m3u8\",LAST-MSN=0,LAST-PART=5"});
  CHECK(ReadFileText(without.path() / "live.m3u8") + ReportLines(text)[0] + "\n" == text);
}

// (msn, part) of each report line, by URI.
std::map<std::string, std::pair<int64_t, int>> ParseReports(const std::string& text) {
  std::map<std::string, std::pair<int64_t, int>> out;
  for (const std::string& line : ReportLines(text)) {
    std::string uri;
    int64_t msn = -1;
    int part = -1;
    absl::string_view rest = line;
    rest.remove_prefix(std::string_view("#EXT-X-RENDITION-REPORT:").size());
    for (absl::string_view attr : absl::StrSplit(rest, ',')) {
      if (absl::ConsumePrefix(&attr, "URI=\"")) uri = std::string(absl::StripSuffix(attr, "\""));
      if (absl::ConsumePrefix(&attr, "LAST-MSN=")) (void)absl::SimpleAtoi(attr, &msn);
      if (absl::ConsumePrefix(&attr, "LAST-PART=")) (void)absl::SimpleAtoi(attr, &part);
    }
    out[uri] = {msn, part};
  }
  return out;
}

TEST_CASE("renditions writing at once on their own threads keep consistent reports",
          "[renditions][playlist]") {
  TempDir dir;
  auto group = std::make_shared<RenditionGroup>();
  const std::vector<std::string> rungs = {"", "720p", "480p"};
  std::vector<std::unique_ptr<LivePlaylist>> playlists;
  for (const std::string& rung : rungs) playlists.push_back(Rendition(dir.path(), rung, group));
  constexpr int64_t kSegments = 25;
  std::atomic<int> failures{0};
  std::atomic<int> went_back{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (size_t i = 0; i < playlists.size(); ++i) {
    writers.emplace_back([&, i] {
      LivePlaylist& p = *playlists[i];
      std::map<std::string, std::pair<int64_t, int>> seen;
      for (int64_t seq = 0; seq < kSegments; ++seq) {
        for (int part = 0; part < 6; ++part) {
          absl::Status s =
              part < 5 ? p.AppendPart(Part(seq, part))
                       : p.Append(Segment(seq, absl::Seconds(2)), MediaInfo{}, Part(seq, part));
          if (!s.ok()) ++failures;
          // What it lists of the others never goes back.
          for (const auto& [uri, at] : ParseReports(p.MediaPlaylistText())) {
            auto [it, added] = seen.emplace(uri, at);
            if (!added) {
              if (at < it->second) ++went_back;
              it->second = at;
            }
          }
        }
      }
    });
  }
  // Meanwhile a rung comes and goes (a failing encoder retried): joins, writes, leaves.
  std::thread churn([&] {
    int round = 0;
    while (!done.load()) {
      auto flaky = Rendition(dir.path(), "360p", group);
      if (!flaky->Append(Segment(0, absl::Seconds(2)), MediaInfo{}, Part(0, 0)).ok()) ++failures;
      if (++round % 2 == 0) group->Remove("360p/live.m3u8");
    }
  });
  for (std::thread& t : writers) t.join();
  done = true;
  churn.join();
  CHECK(failures.load() == 0);
  CHECK(went_back.load() == 0);
  CHECK(group->paths() ==
        std::vector<std::string>{"480p/live.m3u8", "720p/live.m3u8", "live.m3u8"});
  // Every rendition is complete; one more write each lists the others' final state.
  for (auto& p : playlists) REQUIRE(p->AppendPart(Part(kSegments, 0)).ok());
  const auto last = ParseReports(ReadFileText(dir.path() / "480p" / "live.m3u8"));
  CHECK(last == std::map<std::string, std::pair<int64_t, int>>{
                    {"../720p/live.m3u8", {kSegments, 0}}, {"../live.m3u8", {kSegments, 0}}});
}

}  // namespace
}  // namespace shopcast::video_ingest::media
