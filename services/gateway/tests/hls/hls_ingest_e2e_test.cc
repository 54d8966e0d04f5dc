// The HLS proxy in front of a real video-ingest process (its binary, database and internal
// mutual-TLS listener) fed by a real ffmpeg RTMP publisher: the route comes from LookupStreams
// (no default origin is configured), the playlists and segments come through byte for byte,
// ffprobe plays the proxied URL, ranges work, a gated stream refuses without a token and plays
// with a playback token, and an unknown stream is 404.
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "hls/hls_proxy.h"
#include "ingest_fixture.h"
#include "proxy_harness.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/clients/internal.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace shopcast::gateway::hls {
namespace {

namespace http = boost::beast::http;
namespace e2e = shopcast::video_ingest::e2e;
using testing::Call;
using testing::Get;

constexpr char kHost[] = "usr_host1";

std::string FirstSegmentUri(const std::string& playlist) {
  for (absl::string_view line : absl::StrSplit(playlist, '\n', absl::SkipEmpty())) {
    if (!line.empty() && line[0] != '#') return std::string(line);
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Header(const HttpResponse& r, http::field f) {
  auto it = r.find(f);
  return it == r.end() ? "" : std::string(it->value());
}

// The playlist through the proxy once it lists a segment (the encoder needs a few seconds).
HttpResponse WaitForMediaPlaylist(RouteHandler& proxy, const std::string& target) {
  HttpResponse last;
  bool ok = shopcast::testing::WaitUntil(
      [&] {
        last = Call(proxy, Get(target));
        return last.result_int() == 200 && absl::StrContains(last.body(), "#EXTINF");
      },
      absl::Seconds(60));
  INFO(last.result_int() << " " << last.body());
  REQUIRE(ok);
  return last;
}

struct World {
  World()
      : pki(pki_dir.File("pki"), {"video-ingest", "gateway"}), server([this] {
          e2e::ServerOptions o;
          o.service_pki_dir = pki_dir.File("pki");
          return o;
        }()) {
    auto channel = clients::MakeInternalChannel(
        "video-ingest", absl::StrCat("127.0.0.1:", server.internal_grpc_port()), pki.Of("gateway"));
    REQUIRE(channel.ok());
    HlsProxyOptions options;  // no default origin: every route comes from LookupStreams
    REQUIRE(ValidateHlsProxyOptions(options, true).ok());
    proxy = MakeHlsProxy(options, *channel, &registry);
  }
  shopcast::testing::TempDir pki_dir;
  auth::testing::DevPki pki;
  e2e::IngestServer server;
  prometheus::Registry registry;
  std::shared_ptr<RouteHandler> proxy;
};

TEST_CASE("A live stream plays through the proxy from the replica that holds it") {
  World w;
  e2e::CreatedStream s = w.server.CreateStream(kHost);
  const std::string live = "/live/" + s.id + "/";

  // Not published yet: nobody holds it and there is no default origin.
  CHECK(Call(*w.proxy, Get(live + "index.m3u8")).result_int() == 404);

  e2e::Publisher ffmpeg(e2e::Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 60,
                        w.server.LogPath("publisher"));
  HttpResponse media = WaitForMediaPlaylist(*w.proxy, live + "live.m3u8");
  CHECK(Header(media, http::field::content_type) == "application/vnd.apple.mpegurl");
  CHECK_FALSE(Header(media, http::field::cache_control).empty());

  HttpResponse master = Call(*w.proxy, Get(live + "index.m3u8"));
  CHECK(master.result_int() == 200);
  CHECK(absl::StrContains(master.body(), "live.m3u8"));

  // A segment: the bytes on the hot tier, with its type and validators.
  const std::string uri = FirstSegmentUri(media.body());
  REQUIRE(!uri.empty());
  HttpResponse seg = Call(*w.proxy, Get(live + uri));
  REQUIRE(seg.result_int() == 200);
  CHECK(Header(seg, http::field::content_type) == "video/mp2t");
  CHECK(seg.body() == ReadFile(w.server.SegmentPath(s.id, uri)));
  const std::string etag = Header(seg, http::field::etag);
  CHECK_FALSE(etag.empty());
  CHECK(Call(*w.proxy, Get(live + uri, {{"If-None-Match", etag}})).result_int() == 304);

  // A range of it.
  HttpResponse part = Call(*w.proxy, Get(live + uri, {{"Range", "bytes=0-187"}}));
  CHECK(part.result_int() == 206);
  CHECK(part.body() == seg.body().substr(0, 188));
  CHECK(Header(part, http::field::content_range) ==
        absl::StrCat("bytes 0-187/", seg.body().size()));

  // A player: ffprobe reads the master playlist, the media playlist and segments through the
  // proxy on a real port.
  testing::TestListener listener(w.proxy);
  std::vector<std::string> codecs = e2e::ProbeCodecs(listener.url() + live + "index.m3u8");
  CHECK(std::set<std::string>(codecs.begin(), codecs.end()) ==
        std::set<std::string>{"aac", "h264"});

  // An id of ours that names no stream.
  CHECK(Call(*w.proxy, Get("/live/str_01J9Z3K8W4V6T2M0QXYHB5R7NC/index.m3u8")).result_int() == 404);

  const std::string m = prometheus::TextSerializer().Serialize(w.registry.Collect());
  CHECK(absl::StrContains(m, "gateway_hls_route_lookups_total{result=\"found\"}"));
  CHECK(absl::StrContains(m, "gateway_hls_route_lookups_total{result=\"unknown\"} 1"));
  ffmpeg.Kill();
}

TEST_CASE("A gated stream: refused without a token, played with a playback token") {
  World w;
  e2e::CreatedStream s = w.server.CreateStream(kHost, /*gated=*/true);
  const std::string live = "/live/" + s.id + "/";
  e2e::Publisher ffmpeg(e2e::Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 60,
                        w.server.LogPath("publisher"));
  video_ingest::v1::GetPlaybackTokenResponse token;
  REQUIRE(w.server.PlaybackToken(s.id, kHost, "host", &token).ok());
  REQUIRE(!token.token().empty());

  HttpResponse media = WaitForMediaPlaylist(*w.proxy, live + "live.m3u8?token=" + token.token());
  // The origin put the token on every URI; it passes through untouched.
  const std::string uri = FirstSegmentUri(media.body());
  CHECK(absl::EndsWith(uri, "?token=" + token.token()));
  CHECK(Call(*w.proxy, Get(live + uri)).result_int() == 200);

  // Without a token, or with a forged one, the origin's refusal comes back as it is.
  const std::string bare_segment = uri.substr(0, uri.find('?'));
  for (const std::string& file :
       {std::string("index.m3u8"), std::string("live.m3u8"), bare_segment}) {
    INFO(file);
    CHECK(Call(*w.proxy, Get(live + file)).result_int() == 401);
    CHECK(Call(*w.proxy, Get(live + file + "?token=forged")).result_int() == 403);
  }

  testing::TestListener listener(w.proxy);
  std::vector<std::string> codecs =
      e2e::ProbeCodecs(listener.url() + live + "index.m3u8?token=" + token.token());
  CHECK(std::set<std::string>(codecs.begin(), codecs.end()) ==
        std::set<std::string>{"aac", "h264"});
  ffmpeg.Kill();
}

}  // namespace
}  // namespace shopcast::gateway::hls
