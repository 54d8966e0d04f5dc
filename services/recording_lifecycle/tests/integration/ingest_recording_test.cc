// A recording made by real processes: the recording-lifecycle binary beside a real video-ingest
// binary that a real ffmpeg publishes to over RTMP, the encoder dropping and coming back within
// the reconnect window. video-ingest's relay delivers its events to recording-lifecycle's
// EventSink (mutual TLS); sales are delivered as order's relay would, with order's certificate.
// The test checks the recording's segments and discontinuity against what video-ingest
// announced, and the sale markers' offsets against the segments' program date times; then the
// host saves it and a viewer plays it from the VOD origin (the playlist's tags, ffprobe decoding
// every segment), and a second recording the host deletes leaves no file behind in any tier
// (the cold tier is the run's real s3rver).
//
// The frame proof: the encoder burns a frame counter into its picture (clip_media's
// CounterFilter, a different first number per session). For each sale — before the reconnect,
// in the reconnect gap, and after it — the sale's moment goes through the marker's offset
// (ListMoments), GetPlaybackUrl at that moment, the VOD playlist from the origin and the
// segment it names (with its token), decoded at that offset; the counter read there must be the
// frame the encoder made at the sale's wall-clock moment, derived apart from recording-
// lifecycle: video-ingest's LIVE playlist's program date time of the segment the moment falls
// in, plus the counter of that segment's first frame.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clips/clip_media.h"
#include "e2e/ingest_fixture.h"
#include "frame_proof.h"
#include "s3_env.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/clients/internal.h"
#include "shopcast/ids/ids.h"
#include "shopcast/recording_lifecycle/v1/recording_lifecycle.grpc.pb.h"
#include "shopcast/testing/net.h"
#include "shopcast/testing/pg.h"
#include "shopcast/testing/process.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"
#include "support/app_fixture.h"

namespace shopcast::recording_lifecycle::testing {
namespace {

namespace e2e = ::shopcast::video_ingest::e2e;
namespace media = ::shopcast::recording_lifecycle::clips::testing;
namespace vi = ::shopcast::video_ingest::v1;
using common::v1::STREAM_STATUS_LIVE;
using common::v1::STREAM_STATUS_RECONNECTING;

// ffmpeg's decode errors for `url`, without its null muxer's complaints that timestamps went
// back: the recording crosses the reconnect with EXT-X-DISCONTINUITY, where RFC 8216 lets
// timestamps restart, and on a loaded machine the first session's media time (an `-re`
// publisher catching up) can end after the second session's start. Players reset at the tag;
// ffmpeg's HLS reader does not and says so, which is no decoding error.
std::string DecodeErrorsAcrossDiscontinuity(const std::string& url) {
  std::string errors;
  for (absl::string_view line : absl::StrSplit(e2e::DecodeErrors(url), '\n', absl::SkipEmpty())) {
    if (absl::StrContains(line, "non monotonically increasing dts to muxer")) continue;
    absl::StrAppend(&errors, line, "\n");
  }
  return errors;
}

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * kSecond + t.nanos() / 1000;
}
int64_t Micros(const google::protobuf::Duration& d) {
  return d.seconds() * kSecond + d.nanos() / 1000;
}

// The recording-lifecycle binary on its own database, credentials from `pki`, its hot root
// dir/hot (where the video-ingest beside it writes).
class RecordingProcess {
 public:
  explicit RecordingProcess(const shopcast::testing::TempDir& dir, const auth::testing::DevPki& pki)
      : db_(shopcast::testing::TestDatabase::Create()) {
    auto key = auth::GenerateSigningKey("k");
    REQUIRE(key.ok());
    key->kid = auth::KeyIdFor(key->public_pem);
    std::ofstream(dir.File("rl-signing.pub.pem")) << key->public_pem;
    std::ofstream(dir.File("rl-page-token.key")) << "a test page-token key of more than 32 bytes";
    issuer_ =
        std::make_unique<auth::TokenIssuer>(*key, "shopcast-user", "shopcast", absl::Minutes(15));
    const auth::ServiceTlsFiles tls = pki.FilesOf("recording-lifecycle");
    const std::string p = "SHOPCAST_RECORDING_LIFECYCLE_";
    std::vector<std::string> env = {
        p + "GRPC_ADDR=127.0.0.1:0",
        p + "METRICS_ADDR=127.0.0.1:0",
        p + "INTERNAL_GRPC_ADDR=127.0.0.1:0",
        p + "SERVICE_CA_FILE=" + tls.ca_file,
        p + "SERVICE_CERT_FILE=" + tls.cert_file,
        p + "SERVICE_KEY_FILE=" + tls.key_file,
        p + "DB_DSN=" + db_.dsn(),
        p + "DB_POOL_SIZE=4",
        p + "VERIFY_KEY_FILES=" + dir.File("rl-signing.pub.pem"),
        p + "PAGE_TOKEN_KEY_FILE=" + dir.File("rl-page-token.key"),
        p + "HOT_ROOT=" + dir.File("hot"),
        p + "DRAIN_TIMEOUT=2s",
        p + "PURGE_INTERVAL=1s",
        p + "LOG_LEVEL=debug",
    };
    std::filesystem::create_directories(dir.File("hot"));
    // The cold tier is the run's s3rver: a purge lists every tier before it calls a recording
    // deleted, so an unreachable cold store would keep a deleted recording DELETING.
    const S3TestServer s3 = TestS3Server();
    for (std::string& e : StorageEnv(dir.File("rl-storage"))) {
      if (absl::StrContains(e, "S3_")) continue;
      env.push_back(std::move(e));
    }
    env.push_back(p + "S3_ENDPOINT=" + s3.endpoint);
    env.push_back(p + "S3_BUCKET=" + s3.bucket);
    env.push_back("RECORDING_LIFECYCLE_S3_ACCESS_KEY_ID=S3RVER");
    env.push_back("RECORDING_LIFECYCLE_S3_SECRET_ACCESS_KEY=S3RVER");
    proc_ = std::make_unique<shopcast::testing::ChildProcess>(
        std::vector<std::string>{SHOPCAST_RECORDING_LIFECYCLE_BIN, "serve"}, env,
        dir.File("recording-lifecycle.log"));
    const nlohmann::json started = proc_->WaitForLogEvent("server_started", absl::Seconds(60));
    grpc_port_ = started.at("grpc_port").get<int>();
    internal_port_ = started.at("internal_grpc_port").get<int>();
    vod_port_ = proc_->WaitForLogEvent("serving", absl::Seconds(30)).at("vod_http_port").get<int>();
  }

  std::string Token(const std::string& user, const std::string& role) const {
    auto t = issuer_->Issue(user, *auth::ParseRole(role), absl::Now(), {}, "");
    REQUIRE(t.ok());
    return t->token;
  }
  std::unique_ptr<pb::RecordingLifecycleService::Stub> Stub() const {
    return pb::RecordingLifecycleService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
  }
  int internal_port() const { return internal_port_; }
  int vod_port() const { return vod_port_; }
  const std::string& dsn() const { return db_.dsn(); }
  std::string log() const { return proc_->log(); }

 private:
  shopcast::testing::TestDatabase db_;
  std::unique_ptr<auth::TokenIssuer> issuer_;
  std::unique_ptr<shopcast::testing::ChildProcess> proc_;
  int grpc_port_ = 0, internal_port_ = 0, vod_port_ = 0;
};

std::vector<vi::SegmentClosed> SegmentsOf(const std::vector<common::v1::Event>& events) {
  std::vector<vi::SegmentClosed> out;
  for (const auto& e : events) {
    if (e.type() != "video_ingest.segment_closed") continue;
    REQUIRE(e.payload().UnpackTo(&out.emplace_back()));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.sequence() < b.sequence(); });
  return out;
}

// Polls GetRecording (by stream) until `done` holds for the recording; false at the deadline.
bool AwaitRecording(const RecordingProcess& rl, const std::string& token,
                    const std::string& stream_id,
                    const std::function<bool(const pb::Recording&)>& done, pb::Recording* out) {
  return shopcast::testing::WaitUntil(
      [&] {
        auto stub = rl.Stub();
        grpc::ClientContext ctx;
        Prepare(ctx, token);
        pb::GetRecordingRequest req;
        req.set_stream_id(stream_id);
        pb::GetRecordingResponse resp;
        if (!stub->GetRecording(&ctx, req, &resp).ok()) return false;
        *out = resp.recording();
        return done(*out);
      },
      absl::Seconds(60), absl::Milliseconds(200));
}

grpc::Status SaveOrDelete(const RecordingProcess& rl, const std::string& token,
                          const std::string& recording_id, pb::RetentionDecision decision) {
  auto stub = rl.Stub();
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  pb::SaveOrDeleteRequest req;
  req.set_recording_id(recording_id);
  req.set_decision(decision);
  pb::SaveOrDeleteResponse resp;
  return stub->SaveOrDelete(&ctx, req, &resp);
}

// "…TIME-OFFSET=12.345,…" → microseconds; -1 when absent.
int64_t AttributeSecondsUs(const std::string& line, const std::string& name) {
  const size_t at = line.find(name + "=");
  if (at == std::string::npos) return -1;
  const size_t begin = at + name.size() + 1;
  const std::string value = line.substr(begin, line.find(',', at) - begin);
  double seconds = 0;
  if (!absl::SimpleAtod(value, &seconds)) return -1;
  return static_cast<int64_t>(seconds * 1e6 + (seconds >= 0 ? 0.5 : -0.5));
}

// The publisher's counter: 16-pixel blocks on its 640×360 picture; each session's encoder
// starts its own count, far apart, so a frame read back names its session.
constexpr int kCounterBlock = 16;
constexpr int64_t kFirstSessionCounter = 1000;
constexpr int64_t kSecondSessionCounter = 20000;

// Regular files under `root` (recursively); 0 when it does not exist.
int FilesUnder(const std::filesystem::path& root) {
  std::error_code ec;
  if (!std::filesystem::exists(root, ec)) return 0;
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

TEST_CASE(
    "a real publish with a reconnect becomes a recording with sale markers at the right "
    "offsets, showing the frames the encoder made at the sales' moments") {
  shopcast::testing::TempDir dir;
  auth::testing::DevPki pki(dir.File("pki"), {"recording-lifecycle", "video-ingest", "order"});
  RecordingProcess rl(dir, pki);
  e2e::ServerOptions options;
  options.service_pki_dir = dir.File("pki");
  options.segment_root = dir.File("hot");
  options.extra_env = {absl::StrCat("SHOPCAST_VIDEO_INGEST_EVENT_SINKS=recording_lifecycle=",
                                    "127.0.0.1:", rl.internal_port()),
                       // The live playlist keeps every segment of the show: the frame proof
                       // reads their program date times there.
                       "SHOPCAST_VIDEO_INGEST_PLAYLIST_WINDOW=30"};
  e2e::IngestServer ingest(options);
  const e2e::CreatedStream s = ingest.CreateStream();
  {
    e2e::Publisher first(e2e::Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 30, ingest.LogPath("first"),
                         media::CounterFilter(kFirstSessionCounter, kCounterBlock));
    REQUIRE(ingest.WaitForSegments(s.id, 3, absl::Seconds(30)));
    first.Kill();  // the encoder drops
    REQUIRE(first.Wait(absl::Seconds(10)) >= 0);
  }
  REQUIRE(ingest.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, absl::Seconds(20)));
  e2e::Publisher again(e2e::Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 4, ingest.LogPath("again"),
                       media::CounterFilter(kSecondSessionCounter, kCounterBlock));
  REQUIRE(ingest.WaitForStatus(s.id, STREAM_STATUS_LIVE, absl::Seconds(30)));
  REQUIRE(again.Wait(absl::Seconds(40)) == 0);
  REQUIRE(ingest.WaitForStatus(s.id, STREAM_STATUS_RECONNECTING, absl::Seconds(20)));
  // What a live viewer saw: the live playlist's segments by sequence, read before and after the
  // end (the last segment is listed once the encoder's goodbye closed it).
  LiveSegments live;
  MergeLive(ingest.ReadPlaylist(s.id), live);
  REQUIRE(ingest.EndStream(s.id).ok());
  MergeLive(ingest.ReadPlaylist(s.id), live);

  // What video-ingest announced: its segments, the reconnect between them.
  const std::vector<vi::SegmentClosed> segments = SegmentsOf(ingest.Events(s.id));
  REQUIRE(segments.size() >= 5);
  size_t resumed = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].discontinuity()) resumed = i;
  }
  REQUIRE(resumed >= 2);
  REQUIRE(resumed + 1 < segments.size());
  // Sales (the order's commit time): one in the first session's second segment, one in the
  // reconnect gap, one in the middle of the second session's first segment, one in its second
  // segment. The fractions are arbitrary: nothing aligns a sale with a frame.
  const vi::SegmentClosed& early = segments[1];
  const vi::SegmentClosed& after = segments[resumed];
  const vi::SegmentClosed& before = segments[resumed - 1];
  const vi::SegmentClosed& later = segments[resumed + 1];
  const int64_t in_first = Micros(early.program_date_time()) + Micros(early.duration()) * 37 / 100;
  const int64_t in_segment = Micros(after.program_date_time()) + Micros(after.duration()) / 2;
  const int64_t in_later = Micros(later.program_date_time()) + Micros(later.duration()) * 61 / 100;
  const int64_t gap_start = Micros(before.program_date_time()) + Micros(before.duration());
  REQUIRE(Micros(after.program_date_time()) - gap_start > 100'000);  // the drop took time
  const int64_t in_gap = (gap_start + Micros(after.program_date_time())) / 2;
  const std::map<std::string, int64_t> sales = {
      {"ord_first", in_first}, {"ord_gap", in_gap}, {"ord_in", in_segment}, {"ord_late", in_later}};
  {
    auto channel = clients::MakeInternalChannel(
        "recording-lifecycle", absl::StrCat("127.0.0.1:", rl.internal_port()), pki.Of("order"));
    REQUIRE(channel.ok());
    auto sink = common::v1::EventSink::NewStub(*channel);
    common::v1::DeliverEventsRequest request;
    for (const auto& [order, at] : sales) {
      *request.add_events() = SaleEvent(s.id, "usr_host1", order, "prd_1", at);
    }
    grpc::ClientContext ctx;
    Prepare(ctx, "");
    common::v1::DeliverEventsResponse response;
    REQUIRE(sink->DeliverEvents(&ctx, request, &response).ok());
    CHECK(response.accepted_ids_size() == static_cast<int>(sales.size()));
  }

  // The relay delivers video-ingest's events; the recording becomes READY.
  const std::string host_token = rl.Token("usr_host1", "host");
  pb::Recording recording;
  const bool ready = AwaitRecording(
      rl, host_token, s.id,
      [](const pb::Recording& r) { return r.status() == pb::RECORDING_STATUS_READY; }, &recording);
  INFO(recording.DebugString());
  if (!ready) FAIL(rl.log());
  CHECK(recording.segment_count() == static_cast<int64_t>(segments.size()));
  int64_t total = 0;
  for (const auto& seg : segments) total += Micros(seg.duration());
  CHECK(Micros(recording.duration()) == total);
  CHECK(recording.title().size() > 0);

  // The recording's segments: the same objects, one discontinuity, two sessions.
  pqxx::connection c(rl.dsn());
  pqxx::work tx(c);
  CHECK(tx.exec1("SELECT count(*) FROM segments WHERE discontinuity")[0].as<int>() == 1);
  CHECK(tx.exec1("SELECT count(DISTINCT session_id) FROM segments")[0].as<int>() == 2);
  CHECK(tx.exec1("SELECT min(sequence) FROM segments WHERE discontinuity")[0].as<int64_t>() ==
        after.sequence());
  std::map<int64_t, int64_t> offset_of;  // sequence → media offset
  int64_t running = 0;
  for (const auto& seg : segments) {
    const pqxx::row r = tx.exec_params1(
        "SELECT object_key, sha256, duration_us FROM segments WHERE sequence = $1", seg.sequence());
    CHECK(r[0].as<std::string>() == seg.path());
    CHECK(r[1].as<std::string>() == seg.sha256());
    CHECK(r[2].as<int64_t>() == Micros(seg.duration()));
    offset_of[seg.sequence()] = running;
    running += Micros(seg.duration());
  }
  // The sale markers: each at its segment's media offset plus its distance from the segment's
  // program date time; the second session's first segment starts where the first session's
  // media ended, whatever the wall-clock gap, and a sale in the gap is clamped to it.
  const std::map<std::string, std::pair<const vi::SegmentClosed*, int64_t>> placed = {
      {"ord_first", {&early, in_first}},
      {"ord_gap", {&after, Micros(after.program_date_time())}},
      {"ord_in", {&after, in_segment}},
      {"ord_late", {&later, in_later}}};
  for (const auto& [order, where] : placed) {
    INFO(order);
    const pqxx::row m = tx.exec_params1(
        "SELECT media_offset_us, segment_sequence, clamped FROM markers WHERE order_id = $1",
        order);
    CHECK(m[0].as<int64_t>() == offset_of[where.first->sequence()] + where.second -
                                    Micros(where.first->program_date_time()));
    CHECK(m[1].as<int64_t>() == where.first->sequence());
    CHECK(m[2].as<bool>() == (order == "ord_gap"));
  }
  tx.commit();

  // And the host sees them as moments, in media order.
  auto stub = rl.Stub();
  pb::ListMomentsResponse moments;
  {
    grpc::ClientContext ctx;
    Prepare(ctx, host_token);
    pb::ListMomentsRequest req;
    req.set_recording_id(recording.id());
    REQUIRE(stub->ListMoments(&ctx, req, &moments).ok());
  }
  REQUIRE(moments.moments_size() == 4);
  CHECK(moments.moments(0).order_id() == "ord_first");
  CHECK(moments.moments(1).order_id() == "ord_gap");
  CHECK(moments.moments(2).order_id() == "ord_in");
  CHECK(moments.moments(3).order_id() == "ord_late");
  const std::string moment_in = moments.moments(2).id();
  const int64_t offset_in = Micros(moments.moments(2).media_offset());
  CHECK(offset_in == offset_of[after.sequence()] + Micros(after.duration()) / 2);

  // The host keeps it; a viewer asks to start at a sale and plays it from the VOD origin.
  REQUIRE(SaveOrDelete(rl, host_token, recording.id(), pb::RETENTION_DECISION_SAVE).ok());
  REQUIRE(AwaitRecording(
      rl, host_token, s.id,
      [](const pb::Recording& r) {
        return r.status() == pb::RECORDING_STATUS_READY &&
               r.decision() == pb::RETENTION_DECISION_SAVE;
      },
      &recording));
  const int64_t lead_in = 5 * kSecond;  // the binary's default --moment_lead_in
  // GetPlaybackUrl at a moment, as a viewer without an account (the recording is saved): the
  // path on the VOD origin (the URL names the configured public host) and the start offset.
  auto play_at = [&](const std::string& moment_id) {
    grpc::ClientContext viewer_ctx;
    Prepare(viewer_ctx, "");
    pb::GetPlaybackUrlRequest at_sale;
    at_sale.set_recording_id(recording.id());
    at_sale.set_moment_id(moment_id);
    pb::GetPlaybackUrlResponse playback;
    const grpc::Status status = stub->GetPlaybackUrl(&viewer_ctx, at_sale, &playback);
    INFO(ReasonOf(status));
    REQUIRE(status.ok());
    INFO(playback.DebugString());
    const size_t vod_at = playback.url().find("/vod/");
    REQUIRE(vod_at != std::string::npos);
    const std::string path = playback.url().substr(vod_at);
    CHECK(absl::StartsWith(path, absl::StrCat("/vod/", recording.id(), "/index.m3u8?token=")));
    return std::make_pair(path, Micros(playback.start_offset()));
  };
  const auto [path, start_in] = play_at(moment_in);
  const int64_t expected_start = std::max<int64_t>(0, offset_in - lead_in);
  CHECK(start_in == expected_start);
  shopcast::testing::HttpResponse playlist;
  REQUIRE(shopcast::testing::WaitUntil(
      [&] {
        playlist = shopcast::testing::HttpGet(rl.vod_port(), path);
        return playlist.status == 200;
      },
      absl::Seconds(30), absl::Milliseconds(200)));
  INFO(playlist.body);
  const std::vector<std::string> lines = absl::StrSplit(playlist.body, '\n', absl::SkipEmpty());
  REQUIRE(lines.front() == "#EXTM3U");
  CHECK(std::count(lines.begin(), lines.end(), "#EXT-X-PLAYLIST-TYPE:VOD") == 1);
  CHECK(lines.back() == "#EXT-X-ENDLIST");
  int dates = 0, infs = 0, discontinuities = 0;
  std::vector<std::string> uris, dateranges;
  int64_t start_us = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (absl::StartsWith(l, "#EXT-X-PROGRAM-DATE-TIME:")) ++dates;
    if (absl::StartsWith(l, "#EXTINF:")) ++infs;
    if (absl::StartsWith(l, "#EXT-X-DATERANGE:")) dateranges.push_back(l);
    if (absl::StartsWith(l, "#EXT-X-START:")) start_us = AttributeSecondsUs(l, "TIME-OFFSET");
    if (!l.empty() && l[0] != '#') uris.push_back(l);
    if (l == "#EXT-X-DISCONTINUITY") {
      ++discontinuities;
      // The next segment is the first of the second session.
      size_t j = i + 1;
      while (j < lines.size() && lines[j][0] == '#') ++j;
      REQUIRE(j < lines.size());
      const std::string uri = lines[j].substr(0, lines[j].find('?'));
      CHECK(uri.substr(uri.rfind('/') + 1) == absl::StrCat(after.sequence(), ".ts"));
    }
  }
  CHECK(discontinuities == 1);
  CHECK(uris.size() == segments.size());
  CHECK(dates == static_cast<int>(segments.size()));  // every segment carries its date
  CHECK(infs == static_cast<int>(segments.size()));
  CHECK(start_us == expected_start);
  // One date range per sale, with the order, the product and the price.
  REQUIRE(dateranges.size() == sales.size());
  for (const auto& [order, at] : sales) {
    const auto it = std::find_if(dateranges.begin(), dateranges.end(), [&](const auto& d) {
      return absl::StrContains(d, absl::StrCat("X-ORDER-ID=\"", order, "\""));
    });
    REQUIRE(it != dateranges.end());
    CHECK(absl::StrContains(*it, "X-PRODUCT-ID=\"prd_1\""));
    CHECK(absl::StrContains(*it, "X-PRICE=\"25.00 EUR\""));
  }
  // ffprobe plays it over HTTP, the token on every segment URL: every segment decodes, as long
  // as the recording.
  const std::string url = absl::StrCat("http://127.0.0.1:", rl.vod_port(), path);
  CHECK(DecodeErrorsAcrossDiscontinuity(url) == "");
  const double seconds = Micros(recording.duration()) / 1e6;
  CHECK(std::abs(e2e::ProbeDuration(url) - seconds) < 0.25);
  const int frames = e2e::DecodedVideoFrames(url);
  CHECK(std::abs(frames - seconds * e2e::Publisher::kFramesPerSecond) <
        e2e::Publisher::kFramesPerSecond / 2.0);

  // The frame proof (frame_proof.h): for each sale, the frame the encoder made at the sale's
  // moment, from the live playlist alone (FrameAtMoment), must be the frame the VOD shows at
  // the marker's offset (CounterAtOffset), within one frame.
  INFO(ingest.ReadPlaylist(s.id).text);
  for (const pb::Moment& moment : moments.moments()) {
    INFO(moment.order_id());
    const int64_t expected =
        FrameAtMoment(live, ingest.hls_port(), s.id, sales.at(moment.order_id()), kCounterBlock);
    const int64_t offset = Micros(moment.media_offset());
    const auto [at_path, start] = play_at(moment.id());
    CHECK(start == std::max<int64_t>(0, offset - lead_in));
    const auto [shown, uri] = CounterAtOffset(rl.vod_port(), at_path, offset, kCounterBlock);
    INFO("expected frame " << expected << ", shown " << shown << " (" << uri << ")");
    CHECK(std::abs(shown - expected) <= 1);
    // The frames come from the encoder of the sale's session.
    const bool second_session = moment.order_id() != "ord_first";
    CHECK(shown >= (second_session ? kSecondSessionCounter : kFirstSessionCounter));
    CHECK(shown < (second_session ? kSecondSessionCounter + 10 * 30 : kSecondSessionCounter));
  }
  // The gap's sale shows the very first frame the encoder sent after the reconnect.
  CHECK(
      CounterAtOffset(rl.vod_port(), path, Micros(moments.moments(1).media_offset()), kCounterBlock)
          .first == kSecondSessionCounter);

  // A second stream the host deletes: its recording's media is purged from every tier.
  const e2e::CreatedStream s2 = ingest.CreateStream();
  {
    e2e::Publisher short_one(e2e::Publisher::Kind::kFfmpegRtmp, s2.rtmp_url, 3,
                             ingest.LogPath("short"));
    REQUIRE(short_one.Wait(absl::Seconds(40)) == 0);
  }
  REQUIRE(ingest.WaitForStatus(s2.id, STREAM_STATUS_RECONNECTING, absl::Seconds(20)));
  REQUIRE(ingest.EndStream(s2.id).ok());
  pb::Recording doomed;
  REQUIRE(AwaitRecording(
      rl, host_token, s2.id,
      [](const pb::Recording& r) { return r.status() == pb::RECORDING_STATUS_READY; }, &doomed));
  REQUIRE(FilesUnder(dir.File("hot/" + s2.id)) > 0);
  REQUIRE(SaveOrDelete(rl, host_token, doomed.id(), pb::RETENTION_DECISION_DELETE).ok());
  const bool deleted = AwaitRecording(
      rl, host_token, s2.id,
      [](const pb::Recording& r) { return r.status() == pb::RECORDING_STATUS_DELETED; }, &doomed);
  INFO(doomed.DebugString());
  if (!deleted) FAIL(rl.log());
  CHECK(FilesUnder(dir.File("hot/" + s2.id)) == 0);
  CHECK(FilesUnder(dir.File("rl-storage/warm")) == 0);
  // The saved recording keeps its media.
  CHECK(FilesUnder(dir.File("hot/" + s.id)) >= static_cast<int>(segments.size()));
  CHECK(shopcast::testing::HttpGet(rl.vod_port(), path).status == 200);
}

}  // namespace
}  // namespace shopcast::recording_lifecycle::testing
