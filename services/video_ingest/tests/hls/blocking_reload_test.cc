// Low-Latency HLS blocking requests at the origin (RFC 8216bis 6.2.5.2, 6.2.6): the real origin
// on an ephemeral port, real sockets, and a PlaylistWatch fed the way the runtime feeds it
// (each playlist write reports its progress; one test drives a real LivePlaylist). A parked
// request is answered the moment the playlist reports what it asked for, times out within its
// bound, costs no thread, is capped, is freed when its client leaves or the origin stops, and
// is never parked when the access check refuses it.

#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hls/hls_origin.h"
#include "hls/playlist_rewrite.h"
#include "hls/playlist_watch.h"
#include "media/live_playlist.h"
#include "media/playlist_progress.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace shopcast::video_ingest::hls {
namespace {

using http_files::testing::Exchange;
using http_files::testing::GetRequest;
using http_files::testing::RawResponse;
using http_files::testing::TestConnection;
using http_files::testing::WriteFile;
using shopcast::testing::TempDir;
using shopcast::testing::ThreadCount;
using shopcast::testing::WaitUntil;
using namespace std::chrono_literals;

constexpr char kId[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7NC";
constexpr char kOther[] = "str_01J9Z3K8W4V6T2M0QXYHB5R7ND";  // not live here

std::string Live(const std::string& id, const std::string& file) {
  return absl::StrCat("/live/", id, "/", file);
}

// A media playlist listing segments [first, next_msn) and `parts` parts of segment next_msn.
// A parked request's hold is three times its EXT-X-TARGETDURATION (`target`).
std::string PlaylistText(int64_t first, int64_t next_msn, int parts, int target = 4) {
  std::string text = absl::StrCat("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:", target,
                                  "\n#EXT-X-MEDIA-SEQUENCE:", first, "\n");
  for (int64_t msn = first; msn < next_msn; ++msn) {
    absl::StrAppend(&text, "#EXTINF:", target, ".000,\n", absl::StrFormat("%06d.ts", msn), "\n");
  }
  for (int p = 0; p < parts; ++p) {
    absl::StrAppend(&text, "#EXT-X-PART:DURATION=0.333,URI=\"", media::PartFileName(next_msn, p),
                    "\"\n");
  }
  absl::StrAppend(&text, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"",
                  media::PartFileName(next_msn, parts), "\"\n");
  return text;
}

class FakeAccess final : public PlaybackAccess {
 public:
  // kId is gated and only the token "good" is allowed; every other stream is open.
  AccessDecision Check(const std::string& stream_id,
                       std::optional<std::string_view> token) const override {
    if (!gated || stream_id != kId) return AccessDecision::kOpen;
    if (!token) return AccessDecision::kTokenMissing;
    return *token == "good" ? AccessDecision::kAllowed : AccessDecision::kTokenForged;
  }
  bool gated = false;
};

struct Origin {
  explicit Origin(const std::function<void(HlsOriginOptions&)>& tweak = {}) {
    root = dir.File("root");
    WriteFile(root + "/" + kOther + "/live.m3u8", PlaylistText(0, 2, 0));
    feed = watch.Feeder(kId, "live.m3u8");
    Advance(3, 0);  // segments 0, 1, 2 listed; 3 in progress
    options.listen_address = "127.0.0.1";
    options.root = root;
    options.max_connections = 1000;
    if (tweak) tweak(options);
    origin = std::make_unique<HlsOrigin>(options, &registry, &access, &watch);
    const absl::Status started = origin->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
    port = origin->port();
  }

  // What the packager does: the playlist file first, then the report (on_written).
  void Advance(int64_t next_msn, int parts, bool ended = false) {
    WriteFile(root + "/" + kId + "/live.m3u8",
              PlaylistText(std::max<int64_t>(0, next_msn - 6), next_msn, parts) +
                  (ended ? "#EXT-X-ENDLIST\n" : ""));
    feed(media::PlaylistProgress{
        .next_msn = next_msn, .next_parts = parts, .last_parts = 3, .ended = ended});
  }

  double Metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    for (const auto& family : registry.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> have;
        for (const auto& label : metric.label) have[label.name] = label.value;
        if (have != labels) continue;
        switch (family.type) {
          case prometheus::MetricType::Gauge:
            return metric.gauge.value;
          case prometheus::MetricType::Histogram:
            return static_cast<double>(metric.histogram.sample_count);
          default:
            return metric.counter.value;
        }
      }
    }
    return 0;
  }
  double Parked() { return Metric("hls_blocking_parked"); }
  double Outcome(const std::string& kind, const std::string& outcome) {
    return Metric("hls_blocking_requests_total", {{"kind", kind}, {"outcome", outcome}});
  }
  bool AwaitParked(double n) {
    return WaitUntil([&] { return Parked() == n && watch.parked() == n; }, absl::Seconds(20));
  }

  TempDir dir;
  std::string root;
  PlaylistWatch watch;
  std::function<void(const media::PlaylistProgress&)> feed;
  FakeAccess access;
  HlsOriginOptions options;
  prometheus::Registry registry;
  std::unique_ptr<HlsOrigin> origin;
  uint16_t port = 0;
};

// Sends a GET for `target` on a fresh connection (the response is read later).
std::unique_ptr<TestConnection> Send(uint16_t port, const std::string& target) {
  auto conn = std::make_unique<TestConnection>(port);
  REQUIRE(conn->Send(GetRequest(target)));
  return conn;
}

TEST_CASE("A blocking reload is answered the moment the playlist reports the segment or part",
          "[hls][blocking]") {
  Origin o;
  SECTION("a segment") {
    auto conn = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3"));
    REQUIRE(o.AwaitParked(1));
    // Parked, not answered: nothing arrives before the playlist gets there.
    CHECK_FALSE(conn->Read(false, 300ms).has_value());
    o.Advance(3, 2);  // parts of segment 3 do not satisfy a request for the whole segment
    CHECK_FALSE(conn->Read(false, 300ms).has_value());
    const auto updated = std::chrono::steady_clock::now();
    o.Advance(4, 0);
    std::optional<RawResponse> r = conn->Read(false, 5s);
    const auto answered = std::chrono::steady_clock::now();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    // Read after the wake: the answer lists what was asked for.
    CHECK(absl::StrContains(r->body, "000003.ts"));
    CHECK(r->Header("content-type") == "application/vnd.apple.mpegurl");
    CHECK(r->Header("cache-control") == "public, max-age=6");
    CHECK(r->Header("access-control-allow-origin") == "*");
    // Well under the 12 s hold: the update woke it, not a timer.
    CHECK(answered - updated < 1s);
    CHECK(o.Metric("hls_blocking_wake_seconds") == 1);
    CHECK(o.Outcome("playlist", "woken") == 1);
    CHECK(o.AwaitParked(0));
    // The connection stays usable.
    REQUIRE(conn->Send(GetRequest(Live(kId, "live.m3u8"))));
    std::optional<RawResponse> again = conn->Read();
    REQUIRE(again.has_value());
    CHECK(again->status == 200);
    CHECK(again->Header("cache-control") == "public, max-age=1");
  }
  SECTION("a part, and a part past the last one of a complete segment") {
    auto part = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3&_HLS_part=1"));
    auto next = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3&_HLS_part=7"));
    REQUIRE(o.AwaitParked(2));
    o.Advance(3, 1);
    CHECK_FALSE(part->Read(false, 300ms).has_value());
    o.Advance(3, 2);
    std::optional<RawResponse> r = part->Read(false, 5s);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(absl::StrContains(r->body, media::PartFileName(3, 1)));
    // Part 7 does not exist in segment 3 (it closes with 3): it means part 0 of segment 4.
    o.Advance(4, 0);
    CHECK_FALSE(next->Read(false, 300ms).has_value());
    o.Advance(4, 1);
    r = next->Read(false, 5s);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(absl::StrContains(r->body, media::PartFileName(4, 0)));
  }
}

TEST_CASE("What needs no waiting is answered at once", "[hls][blocking]") {
  Origin o;
  // Already listed.
  RawResponse r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=2")));
  CHECK(r.status == 200);
  CHECK(r.Header("cache-control") == "public, max-age=6");
  CHECK(o.Outcome("playlist", "ready") == 1);
  // More than two segments beyond the last one listed (2): 400 at once, never cached.
  r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=5")));
  CHECK(r.status == 400);
  CHECK(r.Header("cache-control") == "no-store");
  CHECK(o.Outcome("playlist", "too_far") == 1);
  // Strict directives: digits only, bounded, each once; _HLS_part needs _HLS_msn.
  for (const char* query :
       {"_HLS_part=1", "_HLS_msn=", "_HLS_msn=-1", "_HLS_msn=1e3", "_HLS_msn=%33",
        "_HLS_msn=1234567890123456", "_HLS_msn=3&_HLS_part=12345", "_HLS_msn=3&_HLS_msn=3",
        "_HLS_msn=3&_HLS_skip=NO"}) {
    INFO(query);
    r = Exchange(o.port, GetRequest(Live(kId, std::string("live.m3u8?") + query)));
    CHECK(r.status == 400);
  }
  CHECK(o.Outcome("playlist", "bad_request") == 9);
  // Unknown parameters are ignored.
  r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=1&foo=bar&_HLS_bogus=1")));
  CHECK(r.status == 200);
  // A stream this replica does not write is served as it always was, whatever it asks for.
  r = Exchange(o.port, GetRequest(Live(kOther, "live.m3u8?_HLS_msn=1000")));
  CHECK(r.status == 200);
  CHECK(r.Header("cache-control") == "public, max-age=1");
  // An ended playlist ignores the directives (RFC 8216bis 6.2.5.2).
  o.Advance(4, 0, /*ended=*/true);
  r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=5")));
  CHECK(r.status == 200);
  CHECK(absl::StrContains(r.body, "#EXT-X-ENDLIST"));
  CHECK(o.Parked() == 0);
}

TEST_CASE("A blocking reload for a segment that does not come times out within its bound",
          "[hls][blocking]") {
  Origin o([](HlsOriginOptions& opts) { opts.blocking_max_hold = absl::Seconds(1); });
  auto conn = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=4"));
  const auto sent = std::chrono::steady_clock::now();
  std::optional<RawResponse> r = conn->Read(false, 10s);
  const auto answered = std::chrono::steady_clock::now();
  REQUIRE(r.has_value());
  CHECK(r->status == 503);
  CHECK(r->Header("cache-control") == "no-store");
  // The hold is three target durations (12 s here) capped at 1 s.
  CHECK(answered - sent >= 900ms);
  CHECK(answered - sent < 3s);
  CHECK(o.Outcome("playlist", "timeout") == 1);
  CHECK(o.AwaitParked(0));
  // The connection is still good for the next reload.
  REQUIRE(conn->Send(GetRequest(Live(kId, "live.m3u8?_HLS_msn=2"))));
  r = conn->Read();
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
}

TEST_CASE("Hundreds of parked blocking requests cost no thread each", "[hls][blocking]") {
  Origin o;
  constexpr int kClients = 600;
  const int threads_before = ThreadCount();
  std::vector<std::unique_ptr<TestConnection>> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Send(o.port, Live(kId, i % 2 == 0 ? "live.m3u8?_HLS_msn=3"
                                                        : "live.m3u8?_HLS_msn=3&_HLS_part=0")));
  }
  REQUIRE(o.AwaitParked(kClients));
  const int threads_parked = ThreadCount();
  INFO("threads before " << threads_before << ", with " << kClients << " parked "
                         << threads_parked);
  CHECK(threads_parked <= threads_before + 1);
  o.Advance(4, 0);
  int answered = 0;
  for (auto& c : clients) {
    std::optional<RawResponse> r = c->Read(false, 20s);
    if (r && r->status == 200 && absl::StrContains(r->body, "000003.ts")) ++answered;
  }
  CHECK(answered == kClients);
  CHECK(o.AwaitParked(0));
  CHECK(o.Metric("hls_blocking_wake_seconds") == kClients);
}

TEST_CASE(
    "Beyond the cap a blocking request gets 503 at once, and a client that leaves "
    "frees its slot",
    "[hls][blocking]") {
  Origin o([](HlsOriginOptions& opts) { opts.max_parked = 2; });
  auto first = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3"));
  auto second = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3&_HLS_part=0"));
  REQUIRE(o.AwaitParked(2));
  RawResponse over = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=3")));
  CHECK(over.status == 503);
  CHECK(over.Header("retry-after") == "1");
  CHECK(over.Header("cache-control") == "no-store");
  CHECK(o.Outcome("playlist", "over_capacity") == 1);
  // What is ready needs no slot.
  CHECK(Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=2"))).status == 200);

  // The first client hangs up while parked: its slot and registry entry are freed at once,
  // not at the end of its hold.
  first.reset();
  REQUIRE(o.AwaitParked(1));
  CHECK(o.Outcome("playlist", "disconnected") == 1);
  auto third = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3"));
  REQUIRE(o.AwaitParked(2));
  o.Advance(4, 0);
  for (auto* c : {second.get(), third.get()}) {
    std::optional<RawResponse> r = c->Read(false, 5s);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
  }
  CHECK(o.AwaitParked(0));
}

TEST_CASE("A gated stream's access check comes before any parking", "[hls][blocking]") {
  Origin o;
  o.access.gated = true;
  RawResponse r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=3")));
  CHECK(r.status == 401);
  r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=3&token=bad")));
  CHECK(r.status == 403);
  r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=99&token=bad")));
  CHECK(r.status == 403);  // refused, not even judged too far ahead
  r = Exchange(o.port, GetRequest(Live(kId, media::PartFileName(3, 0) + "?token=bad")));
  CHECK(r.status == 403);
  CHECK(o.Parked() == 0);
  CHECK(o.watch.parked() == 0);
  CHECK(o.Outcome("playlist", "too_far") == 0);

  // A token holder blocks like anyone, and gets the playlist with the token in every URI,
  // never for a shared cache.
  auto conn = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3&token=good"));
  REQUIRE(o.AwaitParked(1));
  o.Advance(4, 0);
  std::optional<RawResponse> held = conn->Read(false, 5s);
  REQUIRE(held.has_value());
  CHECK(held->status == 200);
  CHECK(absl::StrContains(held->body, "000003.ts?token=good"));
  CHECK(held->Header("cache-control") == "private, no-store");
}

TEST_CASE("The part a preload hint names is parked until it is written", "[hls][blocking]") {
  Origin o;
  o.Advance(3, 2);  // hint: part 2 of segment 3
  const std::string hinted = media::PartFileName(3, 2);
  auto conn = Send(o.port, Live(kId, hinted));
  REQUIRE(o.AwaitParked(1));
  CHECK_FALSE(conn->Read(false, 300ms).has_value());
  WriteFile(o.root + "/" + kId + "/" + hinted, "PART-3-2");
  o.Advance(3, 3);
  std::optional<RawResponse> r = conn->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->body == "PART-3-2");
  CHECK(r->Header("content-type") == "video/mp2t");
  // Parts are kept a few seconds only (a failed session cuts its segment again, same names).
  CHECK(r->Header("cache-control") == "public, max-age=4");
  CHECK(o.Outcome("part", "woken") == 1);

  // Written parts are plain files; a part far from the hint is 404 at once, and so is a part
  // of a stream not live here.
  WriteFile(o.root + "/" + kId + "/" + media::PartFileName(3, 0), "PART-3-0");
  CHECK(Exchange(o.port, GetRequest(Live(kId, media::PartFileName(3, 0)))).status == 200);
  CHECK(Exchange(o.port, GetRequest(Live(kId, media::PartFileName(3, 6)))).status == 404);
  CHECK(Exchange(o.port, GetRequest(Live(kId, media::PartFileName(9, 0)))).status == 404);
  CHECK(Exchange(o.port, GetRequest(Live(kId, media::PartFileName(1, 0)))).status == 404);
  CHECK(Exchange(o.port, GetRequest(Live(kOther, media::PartFileName(2, 0)))).status == 404);
  CHECK(o.Outcome("part", "too_far") == 2);
  CHECK(o.Parked() == 0);

  // The hinted part never comes (the segment closed before it): 404 once that is known.
  auto lost = Send(o.port, Live(kId, media::PartFileName(3, 3)));
  REQUIRE(o.AwaitParked(1));
  o.Advance(4, 1);  // segment 3 closed with 3 parts; part 0 of segment 4 listed
  r = lost->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(r->status == 404);
}

TEST_CASE("_HLS_skip serves the delta playlist when there is one", "[hls][blocking]") {
  Origin o;
  RawResponse r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_skip=YES")));
  CHECK(r.status == 200);
  CHECK_FALSE(absl::StrContains(r.body, "EXT-X-SKIP"));  // none written: the whole playlist
  WriteFile(o.root + "/" + kId + "/live_skip.m3u8", "#EXTM3U\n#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n");
  r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_skip=v2")));
  CHECK(r.status == 200);
  CHECK(absl::StrContains(r.body, "EXT-X-SKIP"));
  auto conn = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3&_HLS_skip=YES"));
  REQUIRE(o.AwaitParked(1));
  WriteFile(o.root + "/" + kId + "/live_skip.m3u8",
            "#EXTM3U\n#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n000003.ts\n");
  o.Advance(4, 0);
  std::optional<RawResponse> held = conn->Read(false, 5s);
  REQUIRE(held.has_value());
  CHECK(absl::StrContains(held->body, "SKIPPED-SEGMENTS=3"));
  // An ended stream gets the whole playlist (the directive is ignored).
  o.Advance(5, 0, /*ended=*/true);
  r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_skip=YES")));
  CHECK(absl::StrContains(r.body, "#EXT-X-ENDLIST"));
}

TEST_CASE("Stopping the origin answers every parked request and leaves nothing behind",
          "[hls][blocking]") {
  Origin o;
  std::vector<std::unique_ptr<TestConnection>> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(Send(o.port, Live(kId, "live.m3u8?_HLS_msn=4")));
  REQUIRE(o.AwaitParked(5));
  const auto start = std::chrono::steady_clock::now();
  o.origin->Stop();
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  for (auto& c : clients) {
    std::optional<RawResponse> r = c->Read(false, 5s);
    REQUIRE(r.has_value());
    CHECK(r->status == 503);
    CHECK(c->WaitClosed(5s));
  }
  CHECK(o.Parked() == 0);
  CHECK(o.watch.parked() == 0);
  CHECK(o.Outcome("playlist", "shutdown") == 5);
  // The playlist keeps being written after the origin is gone: nothing to wake, nothing breaks.
  o.Advance(5, 0);
}

TEST_CASE("A rung's playlist and parts block like the stream's own", "[hls][blocking]") {
  // The rendition ladder writes <stream>/720p/live.m3u8; the watch knows it as "720p/live.m3u8".
  Origin o;
  const std::string id = "str_01J9Z3K8W4V6T2M0QXYHB5R7NF";
  media::LivePlaylist::Options options;
  options.stream_dir = o.root + "/" + id + "/720p";
  std::filesystem::create_directories(options.stream_dir);
  options.target_duration = absl::Seconds(1);
  options.part_target = absl::Milliseconds(500);
  options.master_playlist_name.clear();
  options.on_written = o.watch.Feeder(id, "720p/" + options.media_playlist_name);
  auto playlist = std::make_unique<media::LivePlaylist>(options, 0, absl::ZeroDuration());
  auto part = [&](int64_t msn, int index) {
    WriteFile(options.stream_dir.string() + "/" + media::PartFileName(msn, index),
              absl::StrCat("RUNG-PART-", msn, "-", index));
    media::LivePlaylist::PartInfo p;
    p.sequence = msn;
    p.index = index;
    p.duration = absl::Milliseconds(500);
    p.independent = index == 0;
    p.program_date_time = absl::FromUnixSeconds(1'700'000'000 + msn);
    return p;
  };
  SegmentInfo s0;
  s0.sequence = 0;
  s0.program_date_time = absl::FromUnixSeconds(1'700'000'000);
  s0.duration = absl::Seconds(1);
  s0.size_bytes = 1000;
  s0.path = id + "/720p/000000.ts";
  MediaInfo media;
  media.codecs = "avc1.64001f";
  REQUIRE(playlist->AppendPart(part(0, 0)).ok());
  REQUIRE(playlist->Append(s0, media, part(0, 1)).ok());
  CHECK_FALSE(std::filesystem::exists(options.stream_dir / "index.m3u8"));  // No master here.

  // A reload for a part not written yet is parked, and answered by the rung's write.
  auto conn = Send(o.port, Live(id, "720p/live.m3u8?_HLS_msn=1&_HLS_part=0"));
  REQUIRE(o.AwaitParked(1));
  auto hinted = Send(o.port, Live(id, "720p/" + media::PartFileName(1, 1)));
  REQUIRE(o.AwaitParked(2));
  const auto appended = std::chrono::steady_clock::now();
  REQUIRE(playlist->AppendPart(part(1, 0)).ok());
  std::optional<RawResponse> r = conn->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(std::chrono::steady_clock::now() - appended < 1s);
  CHECK(r->status == 200);
  CHECK(absl::StrContains(r->body, "URI=\"000001_0.ts\""));
  REQUIRE(playlist->AppendPart(part(1, 1)).ok());
  r = hinted->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->body == "RUNG-PART-1-1");
  // The passthrough's playlist of the same stream is another entry: not live here, served
  // as always; too far ahead in the rung is 400.
  CHECK(Exchange(o.port, GetRequest(Live(id, "live.m3u8?_HLS_msn=1"))).status == 404);
  CHECK(Exchange(o.port, GetRequest(Live(id, "720p/live.m3u8?_HLS_msn=9"))).status == 400);
  // Another rung of the stream, unknown to the watch, is a plain file (404 without one).
  CHECK(Exchange(o.port, GetRequest(Live(id, "360p/live.m3u8?_HLS_msn=1"))).status == 404);
}

TEST_CASE("A real LivePlaylist feeds the watch through on_written", "[hls][blocking]") {
  Origin o;
  const std::string id = "str_01J9Z3K8W4V6T2M0QXYHB5R7NE";
  media::LivePlaylist::Options options;
  options.stream_dir = o.root + "/" + id;
  std::filesystem::create_directories(options.stream_dir);
  options.target_duration = absl::Seconds(1);
  options.on_written = o.watch.Feeder(id, options.media_playlist_name);
  auto playlist = std::make_unique<media::LivePlaylist>(options, 0, absl::ZeroDuration());
  auto segment = [&](int64_t msn) {
    SegmentInfo s;
    s.sequence = msn;
    s.program_date_time = absl::FromUnixSeconds(1'700'000'000 + msn);
    s.duration = absl::Seconds(1);
    s.size_bytes = 1000;
    s.path = absl::StrCat(id, "/", absl::StrFormat("%06d.ts", msn));
    return s;
  };
  MediaInfo media;
  media.video_codec = "h264";
  media.codecs = "avc1.42c01e";
  // Before the first write the stream is not live here: served as always (404: no file).
  CHECK(Exchange(o.port, GetRequest(Live(id, "live.m3u8?_HLS_msn=0"))).status == 404);
  REQUIRE(playlist->Append(segment(0), media).ok());
  auto conn = Send(o.port, Live(id, "live.m3u8?_HLS_msn=1"));
  REQUIRE(o.AwaitParked(1));
  const auto appended = std::chrono::steady_clock::now();
  REQUIRE(playlist->Append(segment(1), media).ok());
  std::optional<RawResponse> r = conn->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(std::chrono::steady_clock::now() - appended < 1s);
  CHECK(r->status == 200);
  CHECK(absl::StrContains(r->body, "000001.ts"));
  // The hold is read from the playlist's own EXT-X-TARGETDURATION (1 s → 3 s).
  auto late = Send(o.port, Live(id, "live.m3u8?_HLS_msn=3"));
  const auto sent = std::chrono::steady_clock::now();
  r = late->Read(false, 10s);
  REQUIRE(r.has_value());
  CHECK(r->status == 503);
  CHECK(std::chrono::steady_clock::now() - sent >= 2500ms);
  // Ended: every directive is answered at once with the final playlist.
  auto waiting = Send(o.port, Live(id, "live.m3u8?_HLS_msn=2&_HLS_part=1"));
  REQUIRE(o.AwaitParked(1));
  REQUIRE(playlist->End().ok());
  r = waiting->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(absl::StrContains(r->body, "#EXT-X-ENDLIST"));
  // The playlist object gone (the runtime forgot the stream): so is its entry.
  options.on_written = nullptr;
  CHECK(o.watch.playlists() == 2);
  playlist.reset();
  CHECK(o.watch.playlists() == 1);
}

}  // namespace
}  // namespace shopcast::video_ingest::hls

namespace shopcast::video_ingest::hls {
namespace {

TEST_CASE("A part at the Advance Part Limit beyond the last one is refused at once",
          "[hls][blocking]") {
  Origin o;
  // Segment 3 in progress with parts 0 and 1 listed, PART-TARGET 0.334 s: the limit is
  // 3 / 0.334 = 8.98 parts beyond part 1.
  auto report = [&](int64_t part_target_ms) {
    WriteFile(o.root + "/" + kId + "/live.m3u8", PlaylistText(0, 3, 2));
    o.feed(media::PlaylistProgress{
        .next_msn = 3, .next_parts = 2, .last_parts = 3, .part_target_ms = part_target_ms});
  };
  report(334);
  std::vector<std::unique_ptr<TestConnection>> waiting;
  for (const char* query : {"_HLS_msn=3&_HLS_part=9",  // 8 beyond part 1: waits
                            "_HLS_msn=4&_HLS_part=7",  // at least 8 beyond: waits
                            "_HLS_msn=4"}) {           // two beyond segment 2: waits
    INFO(query);
    waiting.push_back(Send(o.port, Live(kId, std::string("live.m3u8?") + query)));
    REQUIRE(o.AwaitParked(static_cast<double>(waiting.size())));
  }
  for (const char* query : {"_HLS_msn=3&_HLS_part=10",  // 9 beyond: 9 x 0.334 s >= 3 s
                            "_HLS_msn=4&_HLS_part=8",   // at least 9 beyond
                            "_HLS_msn=5&_HLS_part=0",   // more than two beyond segment 2
                            "_HLS_msn=3&_HLS_part=9999"}) {
    INFO(query);
    RawResponse r = Exchange(o.port, GetRequest(Live(kId, std::string("live.m3u8?") + query)));
    CHECK(r.status == 400);
    CHECK(r.Header("cache-control") == "no-store");
    CHECK(absl::StrContains(r.body, "Advance Part Limit"));
  }
  CHECK(o.Outcome("playlist", "too_far") == 4);
  CHECK(o.Parked() == 3);
  // A one-second part target: three parts.
  report(1000);
  CHECK(Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=3&_HLS_part=4"))).status == 400);
  auto two_ahead = Send(o.port, Live(kId, "live.m3u8?_HLS_msn=3&_HLS_part=3"));
  REQUIRE(o.AwaitParked(4));
  // Everything parked is answered as the playlist gets there.
  o.Advance(6, 0);
  for (auto* conn : {waiting[0].get(), waiting[1].get(), waiting[2].get(), two_ahead.get()}) {
    std::optional<RawResponse> r = conn->Read(false, 5s);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
  }
}

TEST_CASE("A real LivePlaylist's delta updates are served for _HLS_skip, blocking or not",
          "[hls][blocking]") {
  Origin o;
  const std::string id = "str_01J9Z3K8W4V6T2M0QXYHB5R7NE";
  media::LivePlaylist::Options options;
  options.stream_dir = o.root + "/" + id;
  std::filesystem::create_directories(options.stream_dir);
  options.target_duration = absl::Seconds(1);
  options.part_target = absl::Milliseconds(250);
  options.window = 12;
  options.on_written = o.watch.Feeder(id, options.media_playlist_name);
  media::LivePlaylist playlist(options, 0, absl::ZeroDuration());
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  auto part = [&](int64_t msn, int index) {
    return media::LivePlaylist::PartInfo{.sequence = msn,
                                         .index = index,
                                         .duration = absl::Milliseconds(250),
                                         .independent = index == 0,
                                         .program_date_time = t0 + msn * absl::Seconds(1)};
  };
  auto segment = [&](int64_t msn) {
    for (int i = 0; i < 3; ++i) REQUIRE(playlist.AppendPart(part(msn, i)).ok());
    SegmentInfo s;
    s.sequence = msn;
    s.program_date_time = t0 + msn * absl::Seconds(1);
    s.duration = absl::Seconds(1);
    s.size_bytes = 1000;
    s.path = absl::StrFormat("%06d.ts", msn);
    REQUIRE(playlist.Append(s, MediaInfo{}, part(msn, 3)).ok());
  };
  for (int64_t msn = 0; msn < 14; ++msn) segment(msn);
  media::DateRange sale;
  sale.id = "sale:1";
  sale.start = t0 + absl::Seconds(10);
  sale.duration = absl::ZeroDuration();
  REQUIRE(*playlist.AddDateRange(sale));

  RawResponse full = Exchange(o.port, GetRequest(Live(id, "live.m3u8")));
  REQUIRE(full.status == 200);
  CHECK(absl::StrContains(full.body, "CAN-SKIP-UNTIL=6.000,CAN-SKIP-DATERANGES=YES"));
  CHECK_FALSE(absl::StrContains(full.body, "EXT-X-SKIP"));
  // YES: segments 2..6 (ending more than 6 s before segment 13's end) replaced.
  RawResponse yes = Exchange(o.port, GetRequest(Live(id, "live.m3u8?_HLS_skip=YES")));
  REQUIRE(yes.status == 200);
  INFO(yes.body);
  CHECK(yes.body == playlist.DeltaPlaylistText(false));
  CHECK(absl::StartsWith(yes.body, "#EXTM3U\n#EXT-X-VERSION:9\n"));
  CHECK(absl::StrContains(yes.body, "#EXT-X-SKIP:SKIPPED-SEGMENTS=5\n"));
  CHECK(absl::StrContains(yes.body, "sale:1"));
  CHECK(yes.body.size() < full.body.size());
  // v2: its own file (EXT-X-VERSION 10, the removed date ranges listed).
  RawResponse v2 = Exchange(o.port, GetRequest(Live(id, "live.m3u8?_HLS_skip=v2")));
  REQUIRE(v2.status == 200);
  CHECK(v2.body == playlist.DeltaPlaylistText(true));
  CHECK(absl::StrContains(v2.body, "RECENTLY-REMOVED-DATERANGES=\"\""));
  CHECK(o.Metric("hls_delta_updates_total", {{"skip", "YES"}}) == 1);
  CHECK(o.Metric("hls_delta_updates_total", {{"skip", "v2"}}) == 1);
  // Blocking and skipping: the delta is read after the wake, so it lists the part asked for.
  auto conn = Send(o.port, Live(id, "live.m3u8?_HLS_msn=14&_HLS_part=1&_HLS_skip=YES"));
  REQUIRE(o.AwaitParked(1));
  REQUIRE(playlist.AppendPart(part(14, 0)).ok());
  CHECK_FALSE(conn->Read(false, 200ms).has_value());
  REQUIRE(playlist.AppendPart(part(14, 1)).ok());
  std::optional<RawResponse> r = conn->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(absl::StrContains(r->body, "#EXT-X-SKIP:SKIPPED-SEGMENTS="));
  CHECK(absl::StrContains(r->body, media::PartFileName(14, 1)));
  // The real progress carries PART-TARGET: 3 / 0.25 s = 12 parts beyond part 1 is refused,
  // 11 waits.
  CHECK(Exchange(o.port, GetRequest(Live(id, "live.m3u8?_HLS_msn=14&_HLS_part=13"))).status == 400);
  auto eleven = Send(o.port, Live(id, "live.m3u8?_HLS_msn=14&_HLS_part=12"));
  REQUIRE(o.AwaitParked(1));
  // Ended: the whole playlist, whatever the directive.
  REQUIRE(playlist.End().ok());
  r = eleven->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(absl::StrContains(r->body, "#EXT-X-ENDLIST"));
  RawResponse ended = Exchange(o.port, GetRequest(Live(id, "live.m3u8?_HLS_skip=YES")));
  CHECK(absl::StrContains(ended.body, "#EXT-X-ENDLIST"));
  CHECK_FALSE(absl::StrContains(ended.body, "EXT-X-SKIP"));
  options.on_written = nullptr;
}

// ---- Live playlists served from memory ---------------------------------------------------------

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A Low-Latency playlist of stream `id` under the origin's root, fed to its watch.
struct MemoryPlaylist {
  MemoryPlaylist(Origin& o, const std::string& id,
                 media::LivePlaylist::Options::PlaylistFiles files, bool parts_in_memory = false) {
    options.stream_dir = o.root + "/" + id;
    std::filesystem::create_directories(options.stream_dir);
    options.target_duration = absl::Seconds(1);
    options.part_target = absl::Milliseconds(250);
    options.playlist_files = files;
    options.parts_in_memory = parts_in_memory;
    options.on_written = o.watch.Feeder(id, options.media_playlist_name);
    playlist = std::make_unique<media::LivePlaylist>(options, 0, absl::ZeroDuration());
    options.on_written = nullptr;
  }
  media::LivePlaylist::PartInfo Part(int64_t msn, int index) const {
    return media::LivePlaylist::PartInfo{.sequence = msn,
                                         .index = index,
                                         .duration = absl::Milliseconds(250),
                                         .independent = index == 0,
                                         .program_date_time = t0 + msn * absl::Seconds(1)};
  }
  void Segment(int64_t msn) {
    for (int i = 0; i < 3; ++i) REQUIRE(playlist->AppendPart(Part(msn, i)).ok());
    SegmentInfo s;
    s.sequence = msn;
    s.program_date_time = t0 + msn * absl::Seconds(1);
    s.duration = absl::Seconds(1);
    s.size_bytes = 1000;
    s.path = absl::StrFormat("%06d.ts", msn);
    REQUIRE(playlist->Append(s, MediaInfo{}, Part(msn, 3)).ok());
  }
  std::string File() const { return ReadWhole(options.stream_dir / "live.m3u8"); }

  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  media::LivePlaylist::Options options;
  std::unique_ptr<media::LivePlaylist> playlist;
};

TEST_CASE("A live playlist served from memory is byte for byte what the file holds",
          "[hls][blocking][memory]") {
  Origin o;
  const std::string id = "str_01J9Z3K8W4V6T2M0QXYHB5R7NE";
  // Every version still written: what the file path served is on disk to compare with.
  MemoryPlaylist m(o, id, media::LivePlaylist::Options::PlaylistFiles::kEvery);
  m.Segment(0);
  REQUIRE(m.playlist->AppendPart(m.Part(1, 0)).ok());
  RawResponse plain = Exchange(o.port, GetRequest(Live(id, "live.m3u8")));
  REQUIRE(plain.status == 200);
  CHECK(plain.body == m.File());
  CHECK(plain.Header("content-type") == "application/vnd.apple.mpegurl");
  CHECK(plain.Header("cache-control") == "public, max-age=1");
  CHECK(plain.Header("access-control-allow-origin") == "*");
  CHECK_FALSE(plain.Header("last-modified").empty());
  // Revalidation: the same version is 304, a new one 200.
  const std::string etag = plain.Header("etag");
  REQUIRE_FALSE(etag.empty());
  const std::string conditional = "If-None-Match: " + etag + "\r\n";
  CHECK(Exchange(o.port, GetRequest(Live(id, "live.m3u8"), conditional)).status == 304);
  REQUIRE(m.playlist->AppendPart(m.Part(1, 1)).ok());
  RawResponse newer = Exchange(o.port, GetRequest(Live(id, "live.m3u8"), conditional));
  CHECK(newer.status == 200);
  CHECK(newer.body == m.File());
  CHECK(newer.Header("etag") != etag);
  // A blocking reload answered at once, and one woken by the next part.
  RawResponse ready = Exchange(o.port, GetRequest(Live(id, "live.m3u8?_HLS_msn=1&_HLS_part=1")));
  CHECK(ready.status == 200);
  CHECK(ready.body == m.File());
  CHECK(ready.Header("cache-control") == "public, max-age=6");
  auto conn = Send(o.port, Live(id, "live.m3u8?_HLS_msn=1&_HLS_part=2"));
  REQUIRE(o.AwaitParked(1));
  REQUIRE(m.playlist->AppendPart(m.Part(1, 2)).ok());
  std::optional<RawResponse> woken = conn->Read(false, 5s);
  REQUIRE(woken.has_value());
  CHECK(woken->status == 200);
  CHECK(woken->body == m.File());
  // HEAD: the length of the body a GET gets, no body.
  RawResponse head = Exchange(o.port, GetRequest(Live(id, "live.m3u8"), "", "HEAD"), /*head=*/true);
  CHECK(head.status == 200);
  CHECK(head.Header("content-length") == std::to_string(m.File().size()));
  CHECK(head.body.empty());
}

TEST_CASE("A gated stream's live playlist from memory carries the token like the file did",
          "[hls][blocking][memory]") {
  Origin o;
  o.access.gated = true;
  // kId is gated; this playlist takes its watch entry over from the fixture's feed.
  MemoryPlaylist m(o, kId, media::LivePlaylist::Options::PlaylistFiles::kEvery);
  m.Segment(0);
  REQUIRE(m.playlist->AppendPart(m.Part(1, 0)).ok());
  RawResponse r = Exchange(o.port, GetRequest(Live(kId, "live.m3u8?token=good")));
  REQUIRE(r.status == 200);
  CHECK(r.body == AddTokenToUris(m.File(), "good"));
  CHECK(absl::StrContains(r.body, "000001_0.ts?token=good"));
  CHECK(r.Header("cache-control") == "private, no-store");
  CHECK(Exchange(o.port, GetRequest(Live(kId, "live.m3u8"))).status == 401);
  RawResponse blocking =
      Exchange(o.port, GetRequest(Live(kId, "live.m3u8?_HLS_msn=1&_HLS_part=0&token=good")));
  CHECK(blocking.status == 200);
  CHECK(blocking.body == r.body);
}

TEST_CASE("With playlist files per segment only, parts are listed and awaited from memory",
          "[hls][blocking][memory]") {
  Origin o;
  const std::string id = "str_01J9Z3K8W4V6T2M0QXYHB5R7NE";
  MemoryPlaylist m(o, id, media::LivePlaylist::Options::PlaylistFiles::kSegments);
  m.Segment(0);
  const std::string at_segment = m.File();
  CHECK(Exchange(o.port, GetRequest(Live(id, "live.m3u8"))).body == at_segment);
  // A player waiting for the next part is answered the moment it is listed, though no file
  // changed.
  auto conn = Send(o.port, Live(id, "live.m3u8?_HLS_msn=1&_HLS_part=0"));
  REQUIRE(o.AwaitParked(1));
  const auto appended = std::chrono::steady_clock::now();
  REQUIRE(m.playlist->AppendPart(m.Part(1, 0)).ok());
  std::optional<RawResponse> r = conn->Read(false, 5s);
  REQUIRE(r.has_value());
  CHECK(std::chrono::steady_clock::now() - appended < 1s);
  CHECK(r->status == 200);
  CHECK(r->body == m.playlist->MediaPlaylistText());
  CHECK(absl::StrContains(r->body, media::PartFileName(1, 0)));
  CHECK(m.File() == at_segment);
  CHECK_FALSE(absl::StrContains(m.File(), "URI=\"" + media::PartFileName(1, 0) + "\",INDEP"));
  CHECK(absl::StrContains(r->body, "URI=\"" + media::PartFileName(1, 0) + "\",INDEP"));
  // A plain reload lists it too.
  CHECK(Exchange(o.port, GetRequest(Live(id, "live.m3u8"))).body ==
        m.playlist->MediaPlaylistText());
  // Bounded: the watch keeps one version per playlist; an older one is freed once no answer
  // holds it.
  std::weak_ptr<const media::PlaylistSnapshot> old = o.watch.Current(id, "live.m3u8")->snapshot;
  REQUIRE_FALSE(old.expired());
  REQUIRE(m.playlist->AppendPart(m.Part(1, 1)).ok());
  CHECK(old.expired());
  // The end goes to disk, and is what the origin serves from then on, memory or file.
  REQUIRE(m.playlist->End().ok());
  RawResponse ended = Exchange(o.port, GetRequest(Live(id, "live.m3u8?_HLS_msn=5")));
  CHECK(ended.status == 200);
  CHECK(ended.body == m.File());
  CHECK(absl::StrContains(ended.body, "#EXT-X-ENDLIST"));
  m.playlist.reset();
  CHECK(Exchange(o.port, GetRequest(Live(id, "live.m3u8"))).body == m.File());
}

TEST_CASE("Parts kept in memory are served from there, and a hinted one when it closes",
          "[hls][blocking][memory]") {
  Origin o;
  const std::string id = "str_01J9Z3K8W4V6T2M0QXYHB5R7NE";
  MemoryPlaylist m(o, id, media::LivePlaylist::Options::PlaylistFiles::kSegments,
                   /*parts_in_memory=*/true);
  REQUIRE(m.playlist->parts_in_memory());
  auto with_bytes = [](media::LivePlaylist::PartInfo p) {
    auto data = std::make_shared<media::PartData>();
    data->bytes = std::string(1000 + p.index, static_cast<char>('a' + p.index));
    data->made = absl::Now();
    p.data = std::move(data);
    return p;
  };
  for (int i = 0; i < 3; ++i) REQUIRE(m.playlist->AppendPart(with_bytes(m.Part(0, i))).ok());
  SegmentInfo s;
  s.sequence = 0;
  s.program_date_time = m.t0;
  s.duration = absl::Seconds(1);
  s.size_bytes = 1000;
  s.path = "000000.ts";
  REQUIRE(m.playlist->Append(s, MediaInfo{}, with_bytes(m.Part(0, 3))).ok());
  // A listed part: from memory, headers as for a part file.
  RawResponse r = Exchange(o.port, GetRequest(Live(id, media::PartFileName(0, 2))));
  REQUIRE(r.status == 200);
  CHECK(r.body == std::string(1002, 'c'));
  CHECK(r.Header("content-type") == "video/mp2t");
  CHECK(r.Header("cache-control") == "public, max-age=4");
  CHECK_FALSE(r.Header("etag").empty());
  CHECK(Exchange(o.port, GetRequest(Live(id, media::PartFileName(0, 2)),
                                    "If-None-Match: " + r.Header("etag") + "\r\n"))
            .status == 304);
  RawResponse ranged =
      Exchange(o.port, GetRequest(Live(id, media::PartFileName(0, 1)), "Range: bytes=10-19\r\n"));
  CHECK(ranged.status == 206);
  CHECK(ranged.body == std::string(10, 'b'));
  // The hinted part: parked, answered with its bytes the moment it closes.
  auto conn = Send(o.port, Live(id, media::PartFileName(1, 0)));
  REQUIRE(o.AwaitParked(1));
  REQUIRE(m.playlist->AppendPart(with_bytes(m.Part(1, 0))).ok());
  std::optional<RawResponse> woken = conn->Read(false, 5s);
  REQUIRE(woken.has_value());
  CHECK(woken->status == 200);
  CHECK(woken->body == std::string(1000, 'a'));
  // Not listed, not hinted: 404 as before. Gone with the playlist: 404 (no file either).
  CHECK(Exchange(o.port, GetRequest(Live(id, media::PartFileName(5, 0)))).status == 404);
  m.playlist.reset();
  CHECK(Exchange(o.port, GetRequest(Live(id, media::PartFileName(0, 2)))).status == 404);
}

}  // namespace
}  // namespace shopcast::video_ingest::hls
