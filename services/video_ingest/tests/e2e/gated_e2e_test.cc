// A gated stream end to end, as the order service, a paying viewer's player and the host meet
// the real binary: an ffmpeg encoder publishes over RTMP; the origin refuses every playlist and
// segment without a token; a pass delivered as the order service's event lets the viewer get a
// token with which ffprobe plays the stream from its master URL alone; the pass revoked, the
// viewer gets no new token and the origin refuses the old one within seconds; the host plays
// throughout; once ungated the stream plays without a token.

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ingest_fixture.h"
#include "shopcast/testing/wait.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::video_ingest::e2e {
namespace {

using common::v1::STREAM_STATUS_LIVE;

constexpr char kHost[] = "usr_host1";
constexpr char kViewer[] = "usr_viewer1";

// The first segment URI of a media playlist as served (with its query), or "".
std::string FirstSegmentUri(const std::string& playlist) {
  for (absl::string_view line : absl::StrSplit(playlist, '\n', absl::SkipEmpty())) {
    if (!line.empty() && line[0] != '#') return std::string(line);
  }
  return "";
}

std::string Token(const IngestServer& server, const std::string& stream_id, const std::string& user,
                  const std::string& role) {
  v1::GetPlaybackTokenResponse res;
  grpc::Status st = server.PlaybackToken(stream_id, user, role, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  REQUIRE(res.gated());
  REQUIRE(!res.token().empty());
  CHECK(res.playback_url() ==
        absl::StrCat(kPlaybackBaseUrl, "/live/", stream_id, "/index.m3u8?token=", res.token()));
  return res.token();
}

std::set<std::string> Played(const std::string& url) {
  std::vector<std::string> codecs = ProbeCodecs(url);
  return std::set<std::string>(codecs.begin(), codecs.end());
}

double Refusals(const std::string& metrics, const std::string& reason) {
  const std::string prefix = absl::StrCat("hls_playback_refusals_total{reason=\"", reason, "\"} ");
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::ConsumePrefix(&line, prefix)) return std::stod(std::string(line));
  }
  return 0;
}

TEST_CASE("A gated stream plays only with a token, for the host and pass holders") {
  IngestServer server;
  CreatedStream s = server.CreateStream(kHost, /*gated=*/true);
  const std::string live = "/live/" + s.id + "/";
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 120, server.LogPath("rtmp"));
  INFO(server.log());
  REQUIRE(server.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));

  // The host always gets a token, and with it the playlists, listing at least two segments.
  const std::string host_token = Token(server, s.id, kHost, "host");
  std::string media;
  REQUIRE(testing::WaitUntil(
      [&] {
        testing::HttpResponse r = server.Get(live + "live.m3u8?token=" + host_token);
        media = r.body;
        return r.status == 200 && std::count(media.begin(), media.end(), ',') >= 2;
      },
      absl::Seconds(30), absl::Milliseconds(200)));
  const std::string segment_uri = FirstSegmentUri(media);
  REQUIRE(absl::EndsWith(segment_uri, "?token=" + host_token));
  const std::string segment = segment_uri.substr(0, segment_uri.find('?'));

  // Nobody else gets a byte without a token; a forged one is refused.
  for (const std::string& file : {std::string("index.m3u8"), std::string("live.m3u8"), segment}) {
    INFO(file);
    CHECK(server.Get(live + file).status == 401);
    CHECK(server.Get(live + file + "?token=forged-token").status == 403);
  }

  // A viewer without a pass gets no token.
  v1::GetPlaybackTokenResponse refused;
  CHECK(server.PlaybackToken(s.id, kViewer, "viewer", &refused).error_code() ==
        grpc::PERMISSION_DENIED);

  // The order service reports the paid pass: the viewer's token plays the stream, the player
  // given nothing but the master playlist URL.
  server.DeliverPassEvent(true, "ord_e2e1", s.id, kViewer);
  const std::string viewer_token = Token(server, s.id, kViewer, "viewer");
  CHECK(Played(server.PlaybackUrl(s.id) + "?token=" + viewer_token) ==
        std::set<std::string>{"h264", "aac"});
  CHECK(server.Get(live + segment + "?token=" + viewer_token).status == 200);

  // Refunded: no new token, and the one the viewer holds stops working within seconds.
  server.DeliverPassEvent(false, "ord_e2e1", s.id, kViewer);
  CHECK(server.PlaybackToken(s.id, kViewer, "viewer", &refused).error_code() ==
        grpc::PERMISSION_DENIED);
  CHECK(testing::WaitUntil(
      [&] { return server.Get(live + "live.m3u8?token=" + viewer_token).status == 403; },
      absl::Seconds(15), absl::Milliseconds(100)));
  CHECK(server.Get(live + segment + "?token=" + viewer_token).status == 403);
  CHECK(server.Get(live + "index.m3u8?token=" + viewer_token).status == 403);

  // The host still plays.
  CHECK(server.Get(live + "live.m3u8?token=" + Token(server, s.id, kHost, "host")).status == 200);

  const std::string metrics = server.Metrics();
  CHECK(Refusals(metrics, "token_missing") >= 3);
  CHECK(Refusals(metrics, "token_malformed") >= 3);
  CHECK(Refusals(metrics, "pass_revoked") >= 1);

  // Ungated by the host: the stream plays for anyone, without a token.
  v1::UpdateStreamRequest update;
  *update.mutable_stream() = server.GetStream(s.id);
  update.mutable_stream()->set_gated(false);
  update.mutable_update_mask()->add_paths("gated");
  v1::UpdateStreamResponse updated;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  ctx.AddMetadata("authorization", "Bearer " + server.Token(kHost, "host"));
  REQUIRE(server.Stub()->UpdateStream(&ctx, update, &updated).ok());
  CHECK(!updated.stream().gated());
  REQUIRE(testing::WaitUntil([&] { return server.Get(live + "index.m3u8").status == 200; },
                             absl::Seconds(15), absl::Milliseconds(100)));
  v1::GetPlaybackTokenResponse open;
  REQUIRE(server.PlaybackToken(s.id, kViewer, "viewer", &open).ok());
  CHECK(!open.gated());
  CHECK(open.token().empty());
  CHECK(Played(server.PlaybackUrl(s.id)) == std::set<std::string>{"h264", "aac"});

  ffmpeg.Kill();
}

}  // namespace
}  // namespace shopcast::video_ingest::e2e
