// The rendition ladder on real media: ffmpeg-made FLV (640x360, 30 fps, 1 s GOP, two B-frames,
// AAC) through the real packager with rungs behind it; ffprobe reads what came out.

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "ffmpeg_check.h"
#include "media/ladder_decoder.h"
#include "media/pipeline.h"
#include "media/rendition_ladder.h"
#include "media/steady_clock.h"
#include "shopcast/status/status.h"
#include "test_media.h"

namespace shopcast::video_ingest::media {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr char kStreamId[] = "str_test";
constexpr size_t kChunk = 4096;
constexpr absl::Duration kPartTarget = absl::Milliseconds(334);

struct Failures {
  absl::Mutex mu;
  std::vector<absl::Status> failures;
  PackagerEvents Events() {
    PackagerEvents e;
    e.failed = [this](const absl::Status& s) {
      absl::MutexLock lock(&mu);
      failures.push_back(s);
    };
    return e;
  }
  bool any() {
    absl::MutexLock lock(&mu);
    return !failures.empty();
  }
};

bool PushAll(Pipeline& pipeline, Failures& failures, const std::vector<uint8_t>& bytes,
             size_t begin = 0, size_t end = SIZE_MAX) {
  end = std::min(end, bytes.size());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (size_t pos = begin; pos < end;) {
    const size_t n = std::min(kChunk, end - pos);
    if (pipeline.Push(std::span<const uint8_t>(bytes.data() + pos, n))) {
      pos += n;
    } else {
      if (absl::Now() > deadline || failures.any()) return false;
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  return true;
}

// Pushes the FLV by its timestamps, as an encoder publishing in real time would.
void PushPaced(Pipeline& pipeline, Failures& failures, const std::vector<uint8_t>& bytes,
               int64_t to_ms) {
  const absl::Duration start = SteadyNow();
  size_t pos = 0;
  for (int64_t ms = 20; ms <= to_ms + 20; ms += 20) {
    const absl::Duration due = start + absl::Milliseconds(ms);
    const absl::Duration now = SteadyNow();
    if (due > now) absl::SleepFor(due - now);
    const size_t to = ms > to_ms ? bytes.size() : testing::FlvOffsetAt(bytes, ms);
    REQUIRE(PushAll(pipeline, failures, bytes, pos, to));
    pos = to;
  }
}

struct Setup {
  explicit Setup(const fs::path& dir, std::vector<RungSpec> rungs, bool parts = true)
      : metrics(registry) {
    LivePlaylist::Options po;
    po.stream_dir = dir;
    po.target_duration = absl::Seconds(2);
    po.window = 20;
    if (parts) po.part_target = kPartTarget;
    LadderOptions lo;
    lo.rungs = std::move(rungs);
    lo.stream_dir = dir;
    lo.stream_id = kStreamId;
    lo.target_duration = absl::Seconds(2);
    lo.part_target = po.part_target;
    lo.window = 20;
    lo.metrics = &metrics;
    lo.flush_timeout = absl::Seconds(60);
    lo.max_handoff = absl::Seconds(60);  // Pushed far faster than real time.
    options = lo;
    ladder_options = lo;
    playlist_options = po;
  }
  void Start() {
    ladder = RenditionLadder::Create(ladder_options);
    playlist_options.renditions = ladder->group();
    playlist_options.rendition_path = "live.m3u8";
    std::weak_ptr<RenditionLadder> weak = ladder;
    playlist_options.master_variants = [weak] {
      auto l = weak.lock();
      return l ? l->MasterVariants() : std::string();
    };
    playlist = std::make_unique<LivePlaylist>(playlist_options, 0, absl::ZeroDuration());
  }
  PackagerOptions Packager(const fs::path& dir, bool discontinuity = false) {
    PackagerOptions o;
    o.format = MediaFormat::kFlv;
    o.stream_dir = dir;
    o.stream_id = kStreamId;
    o.target_duration = absl::Seconds(2);
    o.part_target = playlist_options.part_target;
    o.stall_timeout = absl::Seconds(20);
    o.discontinuity = discontinuity;
    o.renditions = ladder->StartSession(*playlist, discontinuity);
    return o;
  }

  prometheus::Registry registry;
  LadderMetrics metrics;
  LadderOptions options;
  LadderOptions ladder_options;
  LivePlaylist::Options playlist_options;
  std::shared_ptr<RenditionLadder> ladder;
  std::unique_ptr<LivePlaylist> playlist;
};

// ffprobe's start time of the first video stream of a segment, in seconds.
double VideoStart(const fs::path& file) {
  testing::CommandResult r = testing::Run(absl::StrCat(
      "ffprobe -v error -select_streams v:0 -show_entries stream=start_time -of csv=p=0 '",
      file.string(), "'"));
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> lines = absl::StrSplit(r.output, '\n', absl::SkipWhitespace());
  REQUIRE(!lines.empty());
  double t = 0;
  INFO(r.output);
  REQUIRE(absl::SimpleAtod(absl::StripAsciiWhitespace(lines[0]), &t));
  return t;
}

std::string VideoSize(const fs::path& file) {
  testing::CommandResult r = testing::Run(absl::StrCat(
      "ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 '",
      file.string(), "'"));
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> lines = absl::StrSplit(r.output, '\n', absl::SkipWhitespace());
  REQUIRE(!lines.empty());
  return std::string(absl::StripAsciiWhitespace(lines[0]));
}

// The rung's segments are the passthrough's: same numbers, same EXTINFs, same first video
// time, every one starting with a keyframe, decodable, at the rung's size.
void CheckAligned(const fs::path& dir, const std::string& rung, const std::string& size,
                  bool check_parts) {
  const testing::MediaPlaylist source =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  const testing::MediaPlaylist rendition =
      testing::ParseMediaPlaylist(testing::ReadText(dir / rung / "live.m3u8"));
  INFO("rung " << rung);
  REQUIRE(rendition.entries.size() == source.entries.size());
  CHECK(rendition.media_sequence == source.media_sequence);
  CHECK(rendition.target_duration == source.target_duration);
  CHECK(rendition.ended == source.ended);
  for (size_t i = 0; i < source.entries.size(); ++i) {
    const testing::PlaylistEntry& s = source.entries[i];
    const testing::PlaylistEntry& r = rendition.entries[i];
    INFO("segment " << s.uri);
    CHECK(r.uri == s.uri);
    CHECK(r.duration == s.duration);
    CHECK(r.discontinuity == s.discontinuity);
    CHECK(absl::AbsDuration(r.program_date_time - s.program_date_time) < absl::Milliseconds(50));
    const fs::path file = dir / rung / r.uri;
    CHECK(std::abs(VideoStart(file) - VideoStart(dir / s.uri)) < 0.0005);
    CHECK(VideoSize(file) == size);
    CHECK(testing::CodecNames(file) == "aac,h264");
    CHECK(ffmpeg_check::DecodeErrors(file.string()).empty());
    if (check_parts) {
      REQUIRE(r.parts.size() == s.parts.size());
      for (size_t p = 0; p < s.parts.size(); ++p) {
        CHECK(r.parts[p].duration == s.parts[p].duration);
        CHECK(r.parts[p].independent == s.parts[p].independent);
        CHECK(r.parts[p].uri == s.parts[p].uri);
      }
    }
  }
}

TEST_CASE("The ladder's decoder comes from the source's caps, and libavcodec has it", "[ladder]") {
  CHECK(LadderDecoderFor("video/x-h264") == "h264");
  CHECK(LadderDecoderFor("video/x-h265") == "hevc");
  CHECK_FALSE(LadderDecoderFor("video/x-vp9").has_value());
  CHECK_FALSE(LadderDecoderFor("").has_value());
  CHECK(CheckLadderDecoders().ok());
  CHECK(CheckLadderElements().ok());
}

TEST_CASE("Ladder rungs are cut exactly where the passthrough cut and at their own sizes",
          "[ladder]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 7);
  const fs::path dir = tmp.path() / kStreamId;
  Setup setup(dir, {{"480p", 480, 1400}, {"360p", 360, 800}, {"240p", 240, 400}});
  setup.Start();
  Failures failures;
  auto pipeline = Pipeline::Start(setup.Packager(dir), *setup.playlist, failures.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, failures, testing::ReadBytes(input)));
  REQUIRE((*pipeline)->Finish(absl::Seconds(60)).ok());
  CHECK_FALSE(failures.any());
  {
    // Each rung's LL-HLS playlist reports the others (EXT-X-RENDITION-REPORT), relative to
    // itself. (The passthrough, pushed here far faster than real time, wrote its last playlist
    // before any rung had a segment; the e2e test checks its reports at real-time pace.)
    const std::string high = testing::ReadText(dir / "360p" / "live.m3u8");
    const std::string low = testing::ReadText(dir / "240p" / "live.m3u8");
    INFO(high << "\n---\n" << low);
    CHECK_THAT(low, Catch::Contains(
                        "#EXT-X-RENDITION-REPORT:URI=\"../live.m3u8\",LAST-MSN=3,LAST-PART=2\n"));
    CHECK_THAT(low, Catch::Contains("#EXT-X-RENDITION-REPORT:URI=\"../360p/live.m3u8\",LAST-MSN="));
    CHECK_THAT(high, Catch::Contains(
                         "#EXT-X-RENDITION-REPORT:URI=\"../live.m3u8\",LAST-MSN=3,LAST-PART=2\n"));
    CHECK_FALSE(absl::StrContains(low, "480p"));  // Skipped: it never published.
  }
  REQUIRE(setup.playlist->End().ok());
  setup.ladder->End();

  // The source is 640x360: no 480p (never upscaled); 360p re-encoded at the same size.
  CHECK_FALSE(fs::exists(dir / "480p" / "live.m3u8"));
  CheckAligned(dir, "360p", "640x360", /*check_parts=*/true);
  CheckAligned(dir, "240p", "426x240", /*check_parts=*/true);

  const std::string master = testing::ReadText(dir / "index.m3u8");
  INFO(master);
  const std::vector<std::string> lines = absl::StrSplit(master, '\n', absl::SkipEmpty());
  REQUIRE(lines.size() == 9);
  CHECK(lines[4] == "live.m3u8");  // The passthrough first,
  CHECK_THAT(lines[5], Catch::StartsWith("#EXT-X-STREAM-INF:BANDWIDTH="));
  CHECK_THAT(lines[5], Catch::Contains(",RESOLUTION=640x360,FRAME-RATE=30.000,CODECS=\"avc1.64"));
  CHECK_THAT(lines[5], Catch::EndsWith(",mp4a.40.2\""));
  CHECK(lines[6] == "360p/live.m3u8");  // then the rungs, highest first.
  CHECK_THAT(lines[7], Catch::Contains(",RESOLUTION=426x240,FRAME-RATE=30.000,CODECS=\"avc1."));
  CHECK(lines[8] == "240p/live.m3u8");
  // The 240p rung's bandwidth is about what it was given (400 kbit/s video + 64 kbit/s audio),
  // well under the passthrough's.
  int64_t bandwidth = 0;
  const std::string bw = lines[7].substr(lines[7].find('=') + 1);
  REQUIRE(absl::SimpleAtoi(bw.substr(0, bw.find(',')), &bandwidth));
  CHECK(bandwidth > 200'000);
  CHECK(bandwidth < 1'200'000);

  const size_t segments =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8")).entries.size();
  CHECK(setup.metrics.segments("360p").Value() == segments);
  CHECK(setup.metrics.segments("240p").Value() == segments);
  CHECK(setup.metrics.failures("360p").Value() == 0);
  CHECK(setup.metrics.dropped("240p").Value() == 0);
  // The source was decoded once for both rungs.
  CHECK(setup.metrics.decoder_starts().Value() == 1);
  CHECK(setup.metrics.decoder_failures().Value() == 0);
}

TEST_CASE("A second session continues the rungs after a discontinuity and gapless", "[ladder]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 5);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  Setup setup(dir, {{"240p", 240, 400}}, /*parts=*/false);
  setup.Start();
  for (int session = 0; session < 2; ++session) {
    Failures failures;
    auto pipeline =
        Pipeline::Start(setup.Packager(dir, session > 0), *setup.playlist, failures.Events());
    REQUIRE(pipeline.ok());
    REQUIRE(PushAll(**pipeline, failures, bytes));
    REQUIRE((*pipeline)->Finish(absl::Seconds(60)).ok());
  }
  REQUIRE(setup.playlist->End().ok());
  setup.ladder->End();
  CheckAligned(dir, "240p", "426x240", /*check_parts=*/false);
  const testing::MediaPlaylist rung =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "240p" / "live.m3u8"));
  CHECK(rung.ended);
  int discontinuities = 0;
  for (const auto& e : rung.entries) discontinuities += e.discontinuity ? 1 : 0;
  CHECK(discontinuities == 1);
}

TEST_CASE("A failing rung is restarted then removed while the passthrough and other rungs go on",
          "[ladder]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 14);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  Setup setup(dir, {{"360p", 360, 800}, {"240p", 240, 400}});
  // The 240p encoder reports an error after each run's first segment; one restart allowed.
  setup.ladder_options.fault_rung = "240p";
  setup.ladder_options.fault_after_segments = 1;
  setup.ladder_options.max_restarts = 1;
  setup.Start();
  Failures failures;
  auto pipeline = Pipeline::Start(setup.Packager(dir), *setup.playlist, failures.Events());
  REQUIRE(pipeline.ok());
  PushPaced(**pipeline, failures, bytes, 14'000);
  REQUIRE((*pipeline)->Finish(absl::Seconds(60)).ok());
  CHECK_FALSE(failures.any());

  // The passthrough and 360p have every segment, aligned.
  const testing::MediaPlaylist source =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  CHECK(source.entries.size() >= 6);
  CheckAligned(dir, "360p", "640x360", /*check_parts=*/true);
  CHECK(setup.metrics.failures("360p").Value() == 0);

  // 240p failed twice (its first run and its restart), was restarted once, then left out of
  // the master; its playlist skipped the segments it lost after a discontinuity.
  CHECK(setup.metrics.failures("240p").Value() == 2);
  CHECK(setup.metrics.restarts("240p").Value() == 1);
  CHECK_FALSE(setup.ladder->listed(1));
  CHECK(setup.ladder->listed(0));
  const std::string master = testing::ReadText(dir / "index.m3u8");
  CHECK_THAT(master, Catch::Contains("360p/live.m3u8"));
  CHECK_THAT(master, !Catch::Contains("240p/live.m3u8"));
  const testing::MediaPlaylist rung =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "240p" / "live.m3u8"));
  REQUIRE(rung.entries.size() == 1);  // The restarted run's one segment.
  CHECK(rung.entries[0].discontinuity);
  CHECK(rung.media_sequence > 1);
  // Its one segment is the passthrough's segment of that number, to the millisecond.
  const testing::PlaylistEntry* same = nullptr;
  for (const auto& e : source.entries) {
    if (e.uri == rung.entries[0].uri) same = &e;
  }
  REQUIRE(same != nullptr);
  CHECK(same->duration == rung.entries[0].duration);
  CHECK(std::abs(VideoStart(dir / "240p" / rung.entries[0].uri) - VideoStart(dir / same->uri)) <
        0.0005);
}

TEST_CASE("A failed decoder restarts every rung at the next segment cut, the passthrough goes on",
          "[ladder]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 14);
  const std::vector<uint8_t> bytes = testing::ReadBytes(input);
  const fs::path dir = tmp.path() / kStreamId;
  Setup setup(dir, {{"360p", 360, 800}, {"240p", 240, 400}});
  setup.ladder_options.fault_decoder_at_segment = 2;
  setup.ladder_options.max_restarts = 1;
  setup.Start();
  Failures failures;
  auto pipeline = Pipeline::Start(setup.Packager(dir), *setup.playlist, failures.Events());
  REQUIRE(pipeline.ok());
  PushPaced(**pipeline, failures, bytes, 14'000);
  REQUIRE((*pipeline)->Finish(absl::Seconds(60)).ok());
  CHECK_FALSE(failures.any());
  REQUIRE(setup.playlist->End().ok());
  setup.ladder->End();

  const testing::MediaPlaylist source =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  CHECK(source.entries.size() >= 6);
  CHECK(setup.metrics.decoder_failures().Value() == 1);
  CHECK(setup.metrics.decoder_starts().Value() == 2);
  for (const std::string rung : {"360p", "240p"}) {
    INFO("rung " << rung);
    // Each rung failed with the decoder, restarted once, and is listed again.
    CHECK(setup.metrics.failures(rung).Value() == 1);
    CHECK(setup.metrics.restarts(rung).Value() == 1);
    const testing::MediaPlaylist r =
        testing::ParseMediaPlaylist(testing::ReadText(dir / rung / "live.m3u8"));
    REQUIRE(!r.entries.empty());
    CHECK(r.ended);
    int discontinuities = 0;
    for (const auto& e : r.entries) discontinuities += e.discontinuity ? 1 : 0;
    CHECK(discontinuities == 1);
    // What it wrote after the restart is the passthrough's, segment for segment.
    const testing::PlaylistEntry& last = r.entries.back();
    CHECK(last.uri == source.entries.back().uri);
    CHECK(last.duration == source.entries.back().duration);
    CHECK(std::abs(VideoStart(dir / rung / last.uri) - VideoStart(dir / last.uri)) < 0.0005);
  }
  CHECK(setup.ladder->listed(0));
  CHECK(setup.ladder->listed(1));
}

TEST_CASE("A rung behind its hand-off bound drops its input and never the passthrough's",
          "[ladder]") {
  TempDir tmp;
  const fs::path input = tmp.path() / "input.flv";
  testing::MakeTestMedia(input, "flv", 7);
  const fs::path dir = tmp.path() / kStreamId;
  Setup setup(dir, {{"240p", 240, 400}}, /*parts=*/false);
  // Pushed far faster than real time: with almost no room, the rung falls behind at once.
  setup.ladder_options.max_handoff = absl::Milliseconds(1);
  setup.Start();
  Failures failures;
  auto pipeline = Pipeline::Start(setup.Packager(dir), *setup.playlist, failures.Events());
  REQUIRE(pipeline.ok());
  REQUIRE(PushAll(**pipeline, failures, testing::ReadBytes(input)));
  REQUIRE((*pipeline)->Finish(absl::Seconds(60)).ok());
  CHECK_FALSE(failures.any());
  const testing::MediaPlaylist source =
      testing::ParseMediaPlaylist(testing::ReadText(dir / "live.m3u8"));
  CHECK(source.entries.size() == 4);  // 7 s in 2 s segments: the passthrough is whole.
  CHECK(setup.metrics.dropped("240p").Value() > 0);
  // What the rung wrote (on a loaded machine, with a 1 ms bound, it may have dropped every
  // frame and written nothing at all) is still numbered and timed as the passthrough's.
  const fs::path rung_playlist = dir / "240p" / "live.m3u8";
  if (!fs::exists(rung_playlist)) return;
  const testing::MediaPlaylist rung = testing::ParseMediaPlaylist(testing::ReadText(rung_playlist));
  for (const auto& r : rung.entries) {
    for (const auto& s : source.entries) {
      if (s.uri == r.uri) CHECK(s.duration == r.duration);
    }
  }
}

}  // namespace
}  // namespace shopcast::video_ingest::media
