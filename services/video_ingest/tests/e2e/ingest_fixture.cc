#include "ingest_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cinttypes>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ffmpeg_check.h"
#include "grpcpp/client_context.h"
#include "shopcast/auth/keys.h"
#include "shopcast/auth/roles.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/clients/internal.h"
#include "shopcast/common/v1/event.grpc.pb.h"
#include "shopcast/ids/secrets.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/testing/wait.h"

namespace shopcast::video_ingest::e2e {
namespace {

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

struct IngestServer::Deployment {
  testing::TestDatabase db = testing::TestDatabase::Create();
  testing::TempDir dir;  // Keys, segment root, logs; removed after the test.
  std::unique_ptr<auth::TokenIssuer> issuer;
  auth::ServiceTlsFiles tls;
  auth::ServiceTlsFiles order_tls;  // a peer's credential: the order service's relay
  int servers = 0;                  // Started so far: names each replica's log.
};

std::shared_ptr<IngestServer::Deployment> IngestServer::NewDeployment(
    const std::string& service_pki_dir) {
  auto d = std::make_shared<IngestServer::Deployment>();
  auto key = auth::GenerateSigningKey("k");
  REQUIRE(key.ok());
  // The server names keys by their public half, as every replica loading the file does.
  key->kid = auth::KeyIdFor(key->public_pem);
  std::ofstream(d->dir.File("signing.pub.pem")) << key->public_pem;
  std::ofstream(d->dir.File("page-token.key")) << ids::NewSecret(32);
  std::ofstream(d->dir.File("playback-token.key")) << ids::NewSecret(32);
  d->issuer =
      std::make_unique<auth::TokenIssuer>(*key, "shopcast-user", "shopcast", absl::Minutes(15));
  // The internal listener's credential. No user service runs here: the revocation list stays
  // empty and says so, as when the user service is unreachable.
  auth::testing::DevPki pki(service_pki_dir.empty() ? d->dir.File("pki") : service_pki_dir,
                            {"video-ingest", "order"});
  d->tls = pki.FilesOf("video-ingest");
  d->order_tls = pki.FilesOf("order");
  return d;
}

IngestServer::IngestServer(ServerOptions options)
    : deployment_(options.replica_of != nullptr ? options.replica_of->deployment_
                                                : NewDeployment(options.service_pki_dir)) {
  const testing::TempDir& dir = deployment_->dir;
  std::vector<std::string> env = {
      "SHOPCAST_VIDEO_INGEST_INTERNAL_GRPC_ADDR=127.0.0.1:0",
      "SHOPCAST_VIDEO_INGEST_SERVICE_CA_FILE=" + deployment_->tls.ca_file,
      "SHOPCAST_VIDEO_INGEST_SERVICE_CERT_FILE=" + deployment_->tls.cert_file,
      "SHOPCAST_VIDEO_INGEST_SERVICE_KEY_FILE=" + deployment_->tls.key_file,
      "SHOPCAST_VIDEO_INGEST_USER_INTERNAL_ADDR=127.0.0.1:1",
      "SHOPCAST_VIDEO_INGEST_GRPC_ADDR=127.0.0.1:0",
      "SHOPCAST_VIDEO_INGEST_METRICS_ADDR=127.0.0.1:0",
      "SHOPCAST_VIDEO_INGEST_DB_DSN=" + deployment_->db.dsn(),
      "SHOPCAST_VIDEO_INGEST_DB_POOL_SIZE=4",
      "SHOPCAST_VIDEO_INGEST_VERIFY_KEY_FILES=" + dir.File("signing.pub.pem"),
      "SHOPCAST_VIDEO_INGEST_PAGE_TOKEN_KEY_FILE=" + dir.File("page-token.key"),
      "SHOPCAST_VIDEO_INGEST_PLAYBACK_TOKEN_KEY_FILE=" + dir.File("playback-token.key"),
      "SHOPCAST_VIDEO_INGEST_RTMP_ADDR=127.0.0.1:0",
      "SHOPCAST_VIDEO_INGEST_SRT_PORT=0",
      "SHOPCAST_VIDEO_INGEST_HLS_ADDR=127.0.0.1:0",
      "SHOPCAST_VIDEO_INGEST_SEGMENT_ROOT=" +
          (options.segment_root.empty() ? dir.File("hot") : options.segment_root),
      "SHOPCAST_VIDEO_INGEST_TARGET_DURATION=" + absl::FormatDuration(options.target_duration),
      "SHOPCAST_VIDEO_INGEST_RECONNECT_GRACE=" + absl::FormatDuration(options.reconnect_grace),
      std::string("SHOPCAST_VIDEO_INGEST_PLAYBACK_BASE_URL=") + kPlaybackBaseUrl,
      std::string("SHOPCAST_VIDEO_INGEST_RTMP_PUBLIC_URL=") + kRtmpPublicUrl,
      std::string("SHOPCAST_VIDEO_INGEST_SRT_PUBLIC_URL=") + kSrtPublicUrl,
      "SHOPCAST_VIDEO_INGEST_DRAIN_TIMEOUT=5s",
      "SHOPCAST_VIDEO_INGEST_LOG_LEVEL=debug",
  };
  if (!options.instance_id.empty()) {
    env.push_back("SHOPCAST_VIDEO_INGEST_INSTANCE_ID=" + options.instance_id);
  }
  if (options.instance_lease != absl::ZeroDuration()) {
    env.push_back("SHOPCAST_VIDEO_INGEST_INSTANCE_LEASE=" +
                  absl::FormatDuration(options.instance_lease));
  }
  env.insert(env.end(), options.extra_env.begin(), options.extra_env.end());
  // The first replica's log keeps its old name; later ones are numbered.
  const int number = ++deployment_->servers;
  const std::string log_name =
      number == 1 ? std::string("server.log") : absl::StrCat("server-", number, ".log");
  proc_ = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{SHOPCAST_VIDEO_INGEST_BIN, "serve"}, env, dir.File(log_name));
  // Logged once every listener is up, after server_started (the gRPC and metrics ports).
  const nlohmann::json ready = proc_->WaitForLogEvent("video_ingest_ready", absl::Seconds(60));
  const nlohmann::json started = proc_->WaitForLogEvent("server_started", absl::Seconds(5));
  grpc_port_ = started.at("grpc_port").get<int>();
  internal_grpc_port_ = started.at("internal_grpc_port").get<int>();
  metrics_port_ = started.at("metrics_port").get<int>();
  rtmp_port_ = ready.at("rtmp_port").get<int>();
  srt_port_ = ready.at("srt_port").get<int>();
  hls_port_ = ready.at("hls_port").get<int>();
  INFO(proc_->log());
  for (int port : {grpc_port_, metrics_port_, rtmp_port_, srt_port_, hls_port_}) {
    REQUIRE(port != 0);
  }
  auto channel = testing::LocalChannel(grpc_port_);
  REQUIRE(testing::WaitUntil([&] { return testing::HealthStatus(channel, "") == 1; },
                             absl::Seconds(30)));
}

IngestServer::~IngestServer() {
  if (proc_ && proc_->running()) {
    proc_->Signal(SIGTERM);
    proc_->Wait(30000);
  }
}

int IngestServer::Terminate(absl::Duration timeout) {
  proc_->Signal(SIGTERM);
  return proc_->Wait(static_cast<int>(absl::ToInt64Milliseconds(timeout)));
}

void IngestServer::Kill() {
  proc_->Signal(SIGKILL);
  // SIGKILL cannot be caught, so the wait ends as soon as the kernel has reaped the process.
  REQUIRE(proc_->Wait(30000) == 128 + SIGKILL);
}

std::string IngestServer::verify_key_file() const {
  return deployment_->dir.File("signing.pub.pem");
}

std::string IngestServer::LogPath(const std::string& name) const {
  return ScratchPath(name + ".log");
}

std::string IngestServer::ScratchPath(const std::string& name) const {
  return deployment_->dir.File(name);
}

int64_t IngestServer::ResidentBytes() const {
  std::ifstream in("/proc/" + std::to_string(proc_->pid()) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    int64_t kib = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %" SCNd64 " kB", &kib) == 1) return kib * 1024;
  }
  FAIL("no VmRSS for the server process");
  return 0;
}

std::string IngestServer::Metrics() const {
  testing::HttpResponse r = testing::HttpGet(metrics_port_, "/metrics");
  REQUIRE(r.status == 200);
  return r.body;
}

std::string IngestServer::Token(const std::string& user_id, const std::string& role) const {
  auto r = auth::ParseRole(role);
  REQUIRE(r.has_value());
  auto token = deployment_->issuer->Issue(user_id, *r, absl::Now());
  REQUIRE(token.ok());
  return token->token;
}

std::unique_ptr<v1::VideoIngestService::Stub> IngestServer::Stub() const {
  return v1::VideoIngestService::NewStub(testing::LocalChannel(grpc_port_));
}

CreatedStream IngestServer::CreateStream(const std::string& host_id, bool gated) {
  v1::CreateStreamRequest req;
  req.set_title("e2e show");
  if (gated) {
    req.set_gated(true);
    req.mutable_access_price()->set_amount_minor(499);
    req.mutable_access_price()->set_currency("USD");
  }
  req.set_idempotency_key(absl::StrCat("e2e-", absl::ToUnixNanos(absl::Now())));
  v1::CreateStreamResponse res;
  auto ctx = Ctx(Token(host_id, "host"));
  grpc::Status st = Stub()->CreateStream(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  const std::string& key = res.endpoints().stream_key();
  // What the host is told: the configured public addresses, with the key.
  CHECK(res.endpoints().rtmp_url() == absl::StrCat(kRtmpPublicUrl, "/", key));
  CHECK(
      absl::StartsWith(res.endpoints().srt_url(), absl::StrCat(kSrtPublicUrl, "?streamid=", key)));
  return CreatedStream{res.stream().id(), key, rtmp_url(key), srt_url(key)};
}

grpc::Status IngestServer::PlaybackToken(const std::string& stream_id, const std::string& user_id,
                                         const std::string& role,
                                         v1::GetPlaybackTokenResponse* res) const {
  v1::GetPlaybackTokenRequest req;
  req.set_stream_id(stream_id);
  auto ctx = Ctx(Token(user_id, role));
  return Stub()->GetPlaybackToken(ctx.get(), req, res);
}

void IngestServer::DeliverPassEvent(bool granted, const std::string& order_id,
                                    const std::string& stream_id,
                                    const std::string& viewer_id) const {
  auto tls = auth::LoadServiceTls(deployment_->order_tls);
  REQUIRE(tls.ok());
  auto channel = clients::MakeInternalChannel(
      "video-ingest", absl::StrCat("127.0.0.1:", internal_grpc_port_), *tls);
  REQUIRE(channel.ok());
  common::v1::DeliverEventsRequest req;
  common::v1::Event* e = req.add_events();
  e->set_id(absl::StrCat("evt_", granted ? "grant_" : "revoke_", order_id));
  e->set_source("order");
  e->set_aggregate_id(stream_id);
  e->set_type(granted ? "order.access_pass_granted" : "order.access_pass_revoked");
  if (granted) {
    order::v1::AccessPassGranted p;
    p.set_order_id(order_id);
    p.set_stream_id(stream_id);
    p.set_viewer_id(viewer_id);
    e->mutable_payload()->PackFrom(p);
  } else {
    order::v1::AccessPassRevoked p;
    p.set_order_id(order_id);
    p.set_stream_id(stream_id);
    p.set_viewer_id(viewer_id);
    e->mutable_payload()->PackFrom(p);
  }
  common::v1::DeliverEventsResponse res;
  auto ctx = Ctx();
  grpc::Status st = common::v1::EventSink::NewStub(*channel)->DeliverEvents(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  REQUIRE(res.accepted_ids_size() == 1);
}

void IngestServer::DeliverEvents(const std::vector<common::v1::Event>& events) const {
  auto tls = auth::LoadServiceTls(deployment_->order_tls);
  REQUIRE(tls.ok());
  auto channel = clients::MakeInternalChannel(
      "video-ingest", absl::StrCat("127.0.0.1:", internal_grpc_port_), *tls);
  REQUIRE(channel.ok());
  common::v1::DeliverEventsRequest req;
  for (const auto& e : events) *req.add_events() = e;
  common::v1::DeliverEventsResponse res;
  auto ctx = Ctx();
  grpc::Status st = common::v1::EventSink::NewStub(*channel)->DeliverEvents(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  REQUIRE(res.accepted_ids_size() == static_cast<int>(events.size()));
}

std::string IngestServer::PlaybackUrl(const std::string& stream_id) const {
  return absl::StrCat("http://127.0.0.1:", hls_port_, "/live/", stream_id, "/index.m3u8");
}

v1::Stream IngestServer::GetStream(const std::string& id) const {
  v1::GetStreamRequest req;
  req.set_stream_id(id);
  v1::GetStreamResponse res;
  auto ctx = Ctx(Token("usr_host1", "host"));
  grpc::Status st = Stub()->GetStream(ctx.get(), req, &res);
  INFO(st.error_message());
  REQUIRE(st.ok());
  return res.stream();
}

bool IngestServer::WaitForStatus(const std::string& id, common::v1::StreamStatus status,
                                 absl::Duration timeout) const {
  return testing::WaitUntil([&] { return GetStream(id).status() == status; }, timeout,
                            absl::Milliseconds(100));
}

grpc::Status IngestServer::EndStream(const std::string& id, const std::string& host_id) {
  v1::EndStreamRequest req;
  req.set_stream_id(id);
  req.set_recording_choice(v1::RECORDING_CHOICE_SAVE);
  v1::EndStreamResponse res;
  auto ctx = Ctx(Token(host_id, "host"));
  return Stub()->EndStream(ctx.get(), req, &res);
}

testing::HttpResponse IngestServer::Get(const std::string& path) const {
  return testing::HttpGet(hls_port_, path);
}

MediaPlaylist IngestServer::ReadPlaylist(const std::string& stream_id) const {
  return ReadLivePlaylist(hls_port_, stream_id);
}

MediaPlaylist ReadLivePlaylist(int hls_port, const std::string& stream_id) {
  MediaPlaylist p;
  testing::HttpResponse r = testing::HttpGet(hls_port, "/live/" + stream_id + "/live.m3u8");
  if (r.status != 200) return p;
  p.text = r.body;
  PlaylistEntry next;
  int64_t seq = -1;
  for (absl::string_view line : absl::StrSplit(r.body, '\n', absl::SkipEmpty())) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, "#EXT-X-MEDIA-SEQUENCE:")) {
      REQUIRE(absl::SimpleAtoi(line, &p.media_sequence));
      seq = p.media_sequence;
    } else if (absl::ConsumePrefix(&line, "#EXT-X-TARGETDURATION:")) {
      REQUIRE(absl::SimpleAtoi(line, &p.target_duration));
    } else if (absl::ConsumePrefix(&line, "#EXT-X-PROGRAM-DATE-TIME:")) {
      std::string err;
      INFO(std::string(line));
      REQUIRE(
          absl::ParseTime(absl::RFC3339_full, std::string(line), &next.program_date_time, &err));
    } else if (absl::ConsumePrefix(&line, "#EXTINF:")) {
      std::vector<std::string> parts = absl::StrSplit(line, ',');
      REQUIRE(absl::SimpleAtod(parts[0], &next.duration));
    } else if (line == "#EXT-X-DISCONTINUITY") {
      next.discontinuity = true;
    } else if (line == "#EXT-X-ENDLIST") {
      p.ended = true;
    } else if (!line.empty() && line[0] != '#') {
      next.uri = std::string(line);
      next.sequence = seq++;
      p.entries.push_back(next);
      next = PlaylistEntry{};
    }
  }
  return p;
}

bool IngestServer::WaitForSegments(const std::string& stream_id, int64_t count,
                                   absl::Duration timeout) const {
  return testing::WaitUntil(
      [&] {
        MediaPlaylist p = ReadPlaylist(stream_id);
        return p.media_sequence + static_cast<int64_t>(p.entries.size()) >= count;
      },
      timeout, absl::Milliseconds(200));
}

std::string IngestServer::SegmentPath(const std::string& stream_id, const std::string& uri) const {
  return deployment_->dir.File("hot/" + stream_id + "/" + uri);
}

std::vector<common::v1::Event> IngestServer::Events(const std::string& stream_id) const {
  pqxx::connection c(deployment_->db.dsn());
  pqxx::work tx(c);
  pqxx::result rows = tx.exec_params(
      "SELECT payload FROM outbox WHERE aggregate_id = $1 AND destination = "
      "(SELECT min(destination) FROM outbox) ORDER BY id",
      stream_id);
  std::vector<common::v1::Event> out;
  for (const auto& row : rows) {
    pqxx::binarystring bytes(row[0]);
    common::v1::Event e;
    REQUIRE(e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    out.push_back(e);
  }
  return out;
}

absl::Time IngestServer::LastHeartbeat(const std::string& instance_id) const {
  pqxx::connection c(deployment_->db.dsn());
  pqxx::work tx(c);
  pqxx::result rows = tx.exec_params(
      "SELECT (extract(epoch FROM heartbeat_at) * 1000000)::bigint FROM ingest_instances "
      "WHERE id = $1",
      instance_id);
  if (rows.empty()) return absl::InfinitePast();
  return absl::FromUnixMicros(rows[0][0].as<int64_t>());
}

std::string IngestServer::rtmp_url(const std::string& key) const {
  return absl::StrCat("rtmp://127.0.0.1:", rtmp_port_, "/live/", key);
}

std::string IngestServer::srt_url(const std::string& key) const {
  // Too-late packet drop off: a loaded 2-core test machine can stall the encoder longer than
  // the 200 ms latency, and SRT would then drop packets the segment checks expect. Linger on:
  // without it (libsrt's live-mode default) ffmpeg discards its last packets unsent when it
  // closes, and the tests check that every byte sent is packaged.
  return absl::StrCat("srt://127.0.0.1:", srt_port_, "?streamid=", key,
                      "&latency=200000&tlpktdrop=0&linger=5");
}

Publisher::Publisher(Kind kind, const std::string& url, double seconds, const std::string& log_path,
                     const std::string& video_filter) {
  std::vector<std::string> argv;
  if (kind == Kind::kGstRtmp) {
    int video_buffers = static_cast<int>(seconds * 30);
    int audio_buffers = static_cast<int>(seconds * 44100 / 1024);
    argv = {"/usr/bin/gst-launch-1.0",
            "-q",
            "videotestsrc",
            "is-live=true",
            absl::StrCat("num-buffers=", video_buffers),
            "!",
            "video/x-raw,width=640,height=360,framerate=30/1",
            "!",
            "x264enc",
            "tune=zerolatency",
            "speed-preset=ultrafast",
            "key-int-max=30",
            "!",
            "h264parse",
            "!",
            "flvmux",
            "streamable=true",
            "name=m",
            "!",
            "rtmp2sink",
            "location=" + url,
            "audiotestsrc",
            "is-live=true",
            absl::StrCat("num-buffers=", audio_buffers),
            "!",
            "audioconvert",
            "!",
            "voaacenc",
            "!",
            "aacparse",
            "!",
            "m."};
  } else {
    progress_path_ = log_path + ".progress";
    argv = {"/usr/bin/ffmpeg",
            "-hide_banner",
            "-loglevel",
            "warning",
            "-nostdin",
            "-progress",
            progress_path_,
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100",
            "-t",
            absl::StrCat(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-g",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-f",
            kind == Kind::kFfmpegSrt ? "mpegts" : "flv",
            url};
    if (kind == Kind::kFfmpegRtmp) {
      // Like OBS's default x264 settings: B-frames, so presentation and decode order differ.
      auto tune = std::find(argv.begin(), argv.end(), "-tune");
      *tune = "-bf";
      *(tune + 1) = "2";
    }
    if (!video_filter.empty()) {
      auto codec = std::find(argv.begin(), argv.end(), "-c:v");
      argv.insert(codec, {"-vf", video_filter});
    }
    if (kind == Kind::kFfmpegRtmpH263) {
      auto codec = std::find(argv.begin(), argv.end(), "libx264");
      *codec = "flv1";
      argv.erase(codec + 1, codec + 5);  // x264's preset and tune.
    }
  }
  proc_ = std::make_unique<testing::ChildProcess>(argv, std::vector<std::string>{}, log_path);
}

int Publisher::Wait(absl::Duration timeout) {
  return proc_->Wait(static_cast<int>(absl::ToInt64Milliseconds(timeout)));
}

void Publisher::Kill() { proc_->Signal(SIGKILL); }

uint64_t Publisher::SentBytes() const {
  REQUIRE(!progress_path_.empty());
  return ffmpeg_check::SentBytes(progress_path_);
}

void UnpackPayload(const common::v1::Event& event, google::protobuf::Message* message) {
  INFO(event.type());
  REQUIRE(event.payload().UnpackTo(message));
}

std::string RunTool(const std::vector<std::string>& argv) {
  std::vector<std::string> quoted;
  for (const auto& a : argv) quoted.push_back(ShellQuote(a));
  std::string cmd = absl::StrJoin(quoted, " ") + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

std::string DecodeErrors(const std::string& path) { return ffmpeg_check::DecodeErrors(path); }

double ProbeDuration(const std::string& path) {
  std::string out = RunTool(
      {"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path});
  double d = 0;
  INFO(out);
  REQUIRE(absl::SimpleAtod(absl::StripAsciiWhitespace(out), &d));
  return d;
}

int DecodedVideoFrames(const std::string& path) { return ffmpeg_check::DecodedVideoFrames(path); }

std::vector<std::string> ProbeCodecs(const std::string& path) {
  std::string out = RunTool(
      {"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path});
  std::vector<std::string> codecs;
  for (absl::string_view l : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    codecs.emplace_back(absl::StripAsciiWhitespace(l));
  }
  return codecs;
}

}  // namespace shopcast::video_ingest::e2e
