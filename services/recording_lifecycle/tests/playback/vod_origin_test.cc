// The VOD origin over real HTTP: segments ffmpeg made, indexed as rl-core indexes them, served
// from the hot and warm filesystems and from the run's real s3rver (cold, rehydrated), and a
// recording split across all three — played by ffprobe (every frame decodes, the duration is
// right) and, tagged [e2e], by hls.js in Chromium starting at a sale through EXT-X-START.
// Also: tokens (401/403), unknown things (404), deleted recordings (410), ranges, HEAD, cache
// headers, posters/thumbnails/clips, and one view per token.
#include "playback/vod_origin.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "hls/hls_proxy.h"
#include "hls_js.h"
#include "playback_world.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "proxy_harness.h"
#include "s3_env.h"
#include "shopcast/testing/temp_dir.h"
#include "storage/digest.h"
#include "storage/filesystem_provider.h"
#include "storage/s3_provider.h"

namespace shopcast::recording_lifecycle::playback {
namespace {

namespace fs = std::filesystem;
using testing::MarkerSpec;
using testing::PlaybackWorld;
using testing::RecordingSpec;
using testing::SegmentSpec;
using video_ingest::e2e::QuoteForShell;
using video_ingest::e2e::RunCommand;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// 8 s of a test pattern (25 fps, a keyframe each second) with a tone, cut by ffmpeg into four
// 2 s MPEG-TS segments: made once per run of this binary.
struct Media {
  shopcast::testing::TempDir dir;
  std::vector<fs::path> files;
  std::vector<int64_t> durations_us;

  Media() {
    std::string out;
    const std::string cmd = absl::StrCat(
        "ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i "
        "sine=frequency=440:sample_rate=48000 -t 8 -c:v libx264 -preset ultrafast -g 25 "
        "-keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p -c:a aac -b:a 64k -f hls -hls_time 2 "
        "-hls_playlist_type vod -hls_segment_filename ",
        QuoteForShell(dir.File("%06d.ts")), " ", QuoteForShell(dir.File("index.m3u8")), " 2>&1");
    REQUIRE(RunCommand(cmd, out) == 0);
    for (absl::string_view line : absl::StrSplit(ReadFile(dir.path() / "index.m3u8"), '\n')) {
      if (absl::ConsumePrefix(&line, "#EXTINF:")) {
        double seconds = 0;
        REQUIRE(absl::SimpleAtod(line.substr(0, line.find(',')), &seconds));
        durations_us.push_back(static_cast<int64_t>(seconds * 1e6 + 0.5));
      } else if (absl::EndsWith(line, ".ts")) {
        files.push_back(dir.path() / std::string(line));
      }
    }
    REQUIRE(files.size() == 4);
  }
};

const Media& TheMedia() {
  static const Media media;
  return media;
}

struct Fetched {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// curl as a player would fetch: status, headers and body.
Fetched Fetch(const std::string& url, const std::string& extra = "") {
  shopcast::testing::TempDir tmp;
  std::string out;
  const std::string cmd =
      absl::StrCat("curl -s -m 30 ", extra, " -D ", QuoteForShell(tmp.File("h")), " -o ",
                   QuoteForShell(tmp.File("b")), " -w '%{http_code}' ", QuoteForShell(url));
  RunCommand(cmd, out);
  Fetched f;
  REQUIRE(absl::SimpleAtoi(out, &f.status));
  for (absl::string_view line : absl::StrSplit(ReadFile(tmp.path() / "h"), "\r\n")) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    f.headers[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  if (fs::exists(tmp.path() / "b")) f.body = ReadFile(tmp.path() / "b");
  return f;
}

struct Probe {
  int frames = -1;
  double duration = -1;
  std::string errors;
};

// ffprobe decodes every video frame of the VOD and reports how long it is.
Probe FfProbe(const std::string& url) {
  Probe p;
  std::string out;
  RunCommand(absl::StrCat("ffprobe -v error -select_streams v:0 -count_frames -show_entries "
                          "stream=nb_read_frames:format=duration -of default=nw=1 ",
                          QuoteForShell(url), " 2>&1"),
             out);
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "nb_read_frames=")) {
      (void)absl::SimpleAtoi(line, &p.frames);
    } else if (absl::ConsumePrefix(&line, "duration=")) {
      (void)absl::SimpleAtod(line, &p.duration);
    } else {
      absl::StrAppend(&p.errors, line, "\n");
    }
  }
  return p;
}

double Metric(prometheus::Registry& registry, const std::string& name_and_labels) {
  const std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, name_and_labels + " ")) {
      double v = 0;
      if (absl::SimpleAtod(line, &v)) return v;
    }
  }
  return 0;
}

class OriginWorld {
 public:
  OriginWorld() {
    fs::create_directories(hot_dir());
    fs::create_directories(warm_dir());
    hot_ = *storage::FilesystemProvider::Open("local-hot", hot_dir());
    warm_ = *storage::FilesystemProvider::Open("local-warm", warm_dir());
    const auto server = recording_lifecycle::testing::TestS3Server();
    auto cold = storage::S3Provider::Create(
        recording_lifecycle::testing::TestS3Options(server.endpoint, server.bucket), nullptr);
    REQUIRE(cold.ok());
    cold_ = *std::move(cold);
    world_ = std::make_unique<PlaybackWorld>(
        [this](v1::StorageTier t) -> storage::StorageProvider* {
          switch (t) {
            case v1::STORAGE_TIER_HOT:
              return hot_.get();
            case v1::STORAGE_TIER_WARM:
              return warm_.get();
            case v1::STORAGE_TIER_COLD:
              return cold_.get();
            default:
              return nullptr;
          }
        },
        PlaybackOptions{});
    VodOriginOptions o;
    o.listen = "127.0.0.1:0";
    o.cache_dir = dir_.path() / "cache";
    o.cache_max_bytes = 64 << 20;
    origin_ = std::make_unique<VodOrigin>(o, world_->playback(), world_->codec(), &registry_);
    REQUIRE(origin_->Start().ok());
    base_ = absl::StrCat("http://127.0.0.1:", origin_->port());
  }

  fs::path hot_dir() const { return dir_.path() / "hot"; }
  fs::path warm_dir() const { return dir_.path() / "warm"; }

  // A READY, SAVED recording of the test media, segment i stored in tiers[i] only.
  RecordingSpec Record(const std::vector<v1::StorageTier>& tiers) {
    const Media& media = TheMedia();
    RecordingSpec rec;
    std::vector<SegmentSpec> segs;
    const absl::Time start = absl::Now() - absl::Minutes(10);
    int64_t offset = 0;
    for (size_t i = 0; i < media.files.size(); ++i) {
      SegmentSpec s;
      s.sequence = static_cast<int64_t>(i);
      s.pdt = start + absl::Microseconds(offset);
      s.duration_us = media.durations_us[i];
      s.media_offset_us = offset;
      s.size_bytes = static_cast<int64_t>(fs::file_size(media.files[i]));
      s.sha256 = *storage::Sha256OfFile(media.files[i]);
      s.object_key = absl::StrCat(rec.stream_id, "/", media.files[i].filename().string());
      s.tier = tiers[i];
      offset += s.duration_us;
      storage::StorageProvider* p = cold_.get();
      if (tiers[i] == v1::STORAGE_TIER_HOT) p = hot_.get();
      if (tiers[i] == v1::STORAGE_TIER_WARM) p = warm_.get();
      REQUIRE(p->Put(s.object_key, media.files[i], s.sha256).ok());
      segs.push_back(s);
    }
    rec.tier = tiers.front();
    world_->InsertRecording(rec, segs);
    return rec;
  }

  std::string Url(const RecordingSpec& rec, const std::string& file,
                  const std::string& token) const {
    return absl::StrCat(base_, "/vod/", rec.id, "/", file, "?token=", token);
  }
  std::string Token(const std::string& rec_id, absl::Duration ttl = absl::Hours(1),
                    std::optional<int64_t> start_ms = std::nullopt, std::string clip = "") const {
    VodClaims c;
    c.recording_id = rec_id;
    c.expires_at = absl::Now() + ttl;
    c.start_ms = start_ms;
    if (!clip.empty()) {
      c.scope = VodScope::kClip;
      c.clip_id = std::move(clip);
    }
    return world_->codec().Sign(c);
  }
  std::string PlaylistUrl(const RecordingSpec& rec) const {
    return Url(rec, "index.m3u8", Token(rec.id));
  }

  PlaybackWorld& world() { return *world_; }
  prometheus::Registry& registry() { return registry_; }
  storage::StorageProvider& cold() { return *cold_; }
  storage::StorageProvider& hot() { return *hot_; }
  const std::string& base() const { return base_; }

 private:
  shopcast::testing::TempDir dir_;
  std::unique_ptr<storage::FilesystemProvider> hot_;
  std::unique_ptr<storage::FilesystemProvider> warm_;
  std::unique_ptr<storage::S3Provider> cold_;
  std::unique_ptr<PlaybackWorld> world_;
  prometheus::Registry registry_;
  std::unique_ptr<VodOrigin> origin_;
  std::string base_;
};

// The gateway's HLS proxy with /vod/ routed to `origin_base`, on a real port.
struct Gateway {
  explicit Gateway(const std::string& origin_base) {
    gateway::hls::HlsProxyOptions o;
    o.default_origin = "http://127.0.0.1:1";  // no live streams here
    o.vod_origin = origin_base;
    REQUIRE(gateway::hls::ValidateHlsProxyOptions(o, false).ok());
    listener = std::make_unique<gateway::hls::testing::TestListener>(
        gateway::hls::MakeHlsProxy(o, nullptr, nullptr));
  }
  std::string url() const { return listener->url(); }
  std::unique_ptr<gateway::hls::testing::TestListener> listener;
};

void ExpectPlaysWhole(const std::string& url) {
  const Probe p = FfProbe(url);
  INFO(p.errors);
  CHECK(p.errors.empty());
  CHECK(p.frames == 200);  // 8 s at 25 fps: every frame decodes
  CHECK(p.duration == Approx(8.0).margin(0.15));
}

TEST_CASE("A recording in the hot tier plays whole through the origin") {
  OriginWorld w;
  const RecordingSpec rec = w.Record(std::vector<v1::StorageTier>(4, v1::STORAGE_TIER_HOT));
  ExpectPlaysWhole(w.PlaylistUrl(rec));
  CHECK(Metric(w.registry(), "recording_lifecycle_vod_objects_served_total{tier=\"hot\"}") >= 4);
}

TEST_CASE("A recording in the warm tier plays whole, with no hot copy left") {
  OriginWorld w;
  const RecordingSpec rec = w.Record(std::vector<v1::StorageTier>(4, v1::STORAGE_TIER_WARM));
  CHECK_FALSE(fs::exists(w.hot_dir() / rec.stream_id));
  ExpectPlaysWhole(w.PlaylistUrl(rec));
  CHECK(Metric(w.registry(), "recording_lifecycle_vod_objects_served_total{tier=\"warm\"}") >= 4);
}

TEST_CASE("A cold recording on the S3 store plays whole, fetched once into the local cache") {
  OriginWorld w;
  const RecordingSpec rec = w.Record(std::vector<v1::StorageTier>(4, v1::STORAGE_TIER_COLD));
  ExpectPlaysWhole(w.PlaylistUrl(rec));
  CHECK(Metric(w.registry(), "recording_lifecycle_vod_rehydrations_total{outcome=\"ok\"}") == 4);
  // A second viewer: served from the cache, the store is not asked again.
  ExpectPlaysWhole(w.PlaylistUrl(rec));
  CHECK(Metric(w.registry(), "recording_lifecycle_vod_rehydrations_total{outcome=\"ok\"}") == 4);
  CHECK(Metric(w.registry(), "recording_lifecycle_vod_cache_hits_total") >= 4);
  // The bytes are the segment's, byte for byte.
  Fetched seg = Fetch(w.Url(rec, "2.ts", w.Token(rec.id)));
  CHECK(seg.status == 200);
  CHECK(seg.body == ReadFile(TheMedia().files[2]));
}

TEST_CASE("A recording split across hot, warm and cold plays as one") {
  OriginWorld w;
  const RecordingSpec rec = w.Record(
      {v1::STORAGE_TIER_HOT, v1::STORAGE_TIER_WARM, v1::STORAGE_TIER_COLD, v1::STORAGE_TIER_COLD});
  ExpectPlaysWhole(w.PlaylistUrl(rec));
  for (const char* tier : {"hot", "warm", "cold"}) {
    INFO(tier);
    CHECK(Metric(w.registry(), absl::StrCat("recording_lifecycle_vod_objects_served_total{tier=\"",
                                            tier, "\"}")) >= 1);
  }
}

TEST_CASE("Through the gateway's /vod/ proxy, a split recording plays the same") {
  OriginWorld w;
  Gateway gw(w.base());
  const RecordingSpec rec = w.Record(
      {v1::STORAGE_TIER_COLD, v1::STORAGE_TIER_HOT, v1::STORAGE_TIER_WARM, v1::STORAGE_TIER_COLD});
  const std::string token = w.Token(rec.id);
  ExpectPlaysWhole(absl::StrCat(gw.url(), "/vod/", rec.id, "/index.m3u8?token=", token));
  CHECK(Fetch(absl::StrCat(gw.url(), "/vod/", rec.id, "/3.ts?token=", token)).body ==
        ReadFile(TheMedia().files[3]));
  CHECK(Fetch(absl::StrCat(gw.url(), "/vod/", rec.id, "/3.ts")).status == 401);
  CHECK(Fetch(absl::StrCat(gw.url(), "/vod/", rec.id, "/3.ts?token=x")).status == 403);
}

TEST_CASE("Playlists and segments: content types, caching, ranges, HEAD, relative URIs") {
  OriginWorld w;
  const RecordingSpec rec = w.Record(
      {v1::STORAGE_TIER_HOT, v1::STORAGE_TIER_COLD, v1::STORAGE_TIER_HOT, v1::STORAGE_TIER_HOT});
  const std::string token = w.Token(rec.id, absl::Hours(1), 2500);
  Fetched pl = Fetch(w.Url(rec, "index.m3u8", token));
  REQUIRE(pl.status == 200);
  CHECK(pl.headers["content-type"] == "application/vnd.apple.mpegurl");
  CHECK(pl.headers["cache-control"] == "private, max-age=5");
  CHECK(pl.headers["access-control-allow-origin"] == "*");
  CHECK(absl::StrContains(pl.body, "\n0.ts?token=" + token + "\n"));
  CHECK(absl::StrContains(pl.body, "#EXT-X-START:TIME-OFFSET=2.500000,PRECISE=YES\n"));
  CHECK(absl::EndsWith(pl.body, "#EXT-X-ENDLIST\n"));

  const std::string original = ReadFile(TheMedia().files[1]);
  for (const char* seq : {"0", "1"}) {  // hot and cold answer alike
    INFO(seq);
    const std::string url = w.Url(rec, std::string(seq) + ".ts", token);
    Fetched seg = Fetch(url);
    CHECK(seg.status == 200);
    CHECK(seg.headers["content-type"] == "video/mp2t");
    CHECK(seg.headers["cache-control"] == "private, max-age=31536000, immutable");
    CHECK(seg.headers["etag"].size() == 34);
    Fetched part = Fetch(url, "-H 'Range: bytes=188-375'");
    CHECK(part.status == 206);
    CHECK(part.body.size() == 188);
    Fetched head = Fetch(url, "-I");
    CHECK(head.status == 200);
    CHECK(head.headers["content-length"] == std::to_string(seg.body.size()));
    Fetched again = Fetch(url, "-H " + QuoteForShell("If-None-Match: " + seg.headers["etag"]));
    CHECK(again.status == 304);
  }
  CHECK(Fetch(w.Url(rec, "1.ts", token)).body == original);
  CHECK(Fetch(w.Url(rec, "1.ts", token), "-H 'Range: bytes=188-375'").body ==
        original.substr(188, 188));
}

TEST_CASE("Tokens: none 401, bad or foreign or expired 403, unknown things 404, deleted 410") {
  OriginWorld w;
  const RecordingSpec rec = w.Record(std::vector<v1::StorageTier>(4, v1::STORAGE_TIER_HOT));
  const RecordingSpec other = w.Record(std::vector<v1::StorageTier>(4, v1::STORAGE_TIER_HOT));
  const std::string good = w.Token(rec.id);
  const std::string seg = absl::StrCat(w.base(), "/vod/", rec.id, "/1.ts");
  Fetched none = Fetch(seg);
  CHECK(none.status == 401);
  CHECK(none.headers["www-authenticate"] == "ShopcastPlaybackToken");
  std::string flipped = good;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {flipped, w.Token(other.id), w.Token(rec.id, -absl::Seconds(1)), std::string("x%2F..")}) {
    INFO(bad);
    CHECK(Fetch(seg + "?token=" + bad).status == 403);
  }
  CHECK(Fetch(w.Url(rec, "4.ts", good)).status == 404);   // past the last segment
  CHECK(Fetch(w.Url(rec, "01.ts", good)).status == 404);  // not our grammar
  CHECK(Fetch(w.Url(rec, "..%2F1.ts", good)).status == 404);
  CHECK(Fetch(absl::StrCat(w.base(), "/vod/", rec.id, "/../", other.id, "/1.ts?token=", good),
              "--path-as-is")
            .status == 404);
  CHECK(Fetch(w.Url(rec, "poster.jpg", good)).status == 404);  // none recorded
  const std::string ghost = ids::NewId("rec");
  CHECK(
      Fetch(absl::StrCat(w.base(), "/vod/", ghost, "/index.m3u8?token=", w.Token(ghost))).status ==
      404);
  CHECK(Fetch(w.Url(rec, "1.ts", good), "-X POST").status == 405);

  w.world().Query("UPDATE recordings SET status = 5 WHERE id = $1", rec.id);
  CHECK(Fetch(w.Url(rec, "index.m3u8", good)).status == 410);
  w.world().Query("UPDATE segments SET tier = 4 WHERE recording_id = $1", rec.id);
  CHECK(Fetch(w.Url(rec, "1.ts", good)).status == 410);
}

TEST_CASE("Posters, thumbnails and clips come from whichever tier holds them") {
  OriginWorld w;
  RecordingSpec rec = w.Record(std::vector<v1::StorageTier>(4, v1::STORAGE_TIER_HOT));
  shopcast::testing::TempDir tmp;
  const std::string jpeg = tmp.File("p.jpg");
  std::string out;
  REQUIRE(RunCommand(absl::StrCat("ffmpeg -nostdin -v error -f lavfi -i testsrc=size=160x120 "
                                  "-frames:v 1 ",
                                  QuoteForShell(jpeg), " 2>&1"),
                     out) == 0);
  const std::string sha = *storage::Sha256OfFile(jpeg);
  const std::string poster_key = rec.stream_id + "/poster.jpg";
  REQUIRE(w.hot().Put(poster_key, jpeg, sha).ok());
  w.world().Query("UPDATE recordings SET poster_key = $2 WHERE id = $1", rec.id, poster_key);
  const std::string thm = ids::NewId("thm");
  const std::string clp = ids::NewId("clp");
  REQUIRE(w.cold().Put(rec.id + "/thumbs/" + thm + ".jpg", jpeg, sha).ok());
  REQUIRE(w.cold()
              .Put(rec.id + "/clips/" + clp + ".mp4", TheMedia().files[0],
                   *storage::Sha256OfFile(TheMedia().files[0]))
              .ok());
  REQUIRE(w.hot().Put(rec.id + "/clips/" + clp + ".jpg", jpeg, sha).ok());

  const std::string token = w.Token(rec.id);
  const std::string clip_token = w.Token(rec.id, absl::Hours(1), std::nullopt, clp);
  Fetched poster = Fetch(w.Url(rec, "poster.jpg", token));
  CHECK(poster.status == 200);
  CHECK(poster.headers["content-type"] == "image/jpeg");
  CHECK(poster.body == ReadFile(jpeg));
  CHECK(Fetch(w.Url(rec, "thumbs/" + thm + ".jpg", token)).body == ReadFile(jpeg));
  CHECK(Fetch(w.Url(rec, "thumbs/" + ids::NewId("thm") + ".jpg", token)).status == 404);
  // A clip's video opens with its own token only; its poster with that or the recording's.
  CHECK(Fetch(w.Url(rec, "clips/" + clp + ".mp4", token)).status == 403);
  Fetched clip = Fetch(w.Url(rec, "clips/" + clp + ".mp4", clip_token));
  CHECK(clip.status == 200);
  CHECK(clip.headers["content-type"] == "video/mp4");
  CHECK(Fetch(w.Url(rec, "clips/" + clp + ".jpg", token)).status == 200);
  CHECK(Fetch(w.Url(rec, "clips/" + clp + ".jpg", clip_token)).status == 200);
  CHECK(Fetch(w.Url(rec, "index.m3u8", clip_token)).status == 403);
}

TEST_CASE("A token's playlist fetches count one view, another token another") {
  OriginWorld w;
  const RecordingSpec rec = w.Record(std::vector<v1::StorageTier>(4, v1::STORAGE_TIER_HOT));
  const std::string a = w.PlaylistUrl(rec);
  for (int i = 0; i < 3; ++i) REQUIRE(Fetch(a).status == 200);
  REQUIRE(Fetch(a, "-I").status == 200);  // HEAD does not count
  auto views = [&] {
    return w.world()
        .Query("SELECT view_count, last_played_at IS NOT NULL FROM recordings WHERE id = $1",
               rec.id)[0][0]
        .as<int64_t>();
  };
  CHECK(views() == 1);
  REQUIRE(Fetch(w.PlaylistUrl(rec)).status == 200);
  CHECK(views() == 2);
}

TEST_CASE("hls.js in Chromium, through the gateway, starts a split recording at the sale",
          "[e2e]") {
  OriginWorld w;
  Gateway gw(w.base());
  const RecordingSpec rec = w.Record(
      {v1::STORAGE_TIER_HOT, v1::STORAGE_TIER_WARM, v1::STORAGE_TIER_COLD, v1::STORAGE_TIER_COLD});
  MarkerSpec sale;
  sale.media_offset_us = 7000000;
  w.world().InsertMarker(rec.id, rec.stream_id, sale);
  PlaybackOptions options;
  options.public_base_url = gw.url();
  Playback playback(w.world().store(), w.world().codec(), nullptr, options);
  v1::GetPlaybackUrlRequest req;
  req.set_recording_id(rec.id);
  req.set_moment_id(sale.id);
  auto url = playback.GetPlaybackUrl(std::nullopt, req, absl::Now());
  REQUIRE(url.ok());
  CHECK(url->start_offset().seconds() == 2);  // 7 s less the 5 s lead-in
  ExpectPlaysWhole(url->url());
  std::string report;
  const int rc = video_ingest::e2e::PlayInHlsJs(url->url(), false, 4, report);
  INFO(report);
  CHECK(rc == 0);
  std::smatch m;
  REQUIRE(std::regex_search(report, m, std::regex("\"startTime\":([0-9.]+)")));
  const double start = std::stod(m[1].str());
  CHECK(start >= 1.9);
  CHECK(start <= 2.8);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::playback
