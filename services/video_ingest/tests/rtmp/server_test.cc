// The RTMP server against real publishers (ffmpeg, GStreamer's rtmp2sink) and hostile
// clients. The PublishAdmission is a fake that records each admitted publish into an FLV file,
// which ffprobe and ffmpeg then check the way the packager would read it.

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"
#include "raw_publisher.h"
#include "rtmp/codec_check.h"
#include "rtmp/rtmp_server.h"
#include "server_test_support.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

using namespace std::chrono_literals;
using testing::FakeAdmission;
using testing::PollUntil;
using testing::PublishRecord;
using testing::RawPublisher;
using testing::RunTool;
using testing::StatusReply;
using testing::TcpClient;
using testing::TempDir;
using testing::Tool;

// Short timeouts so the cut-at-timeout cases finish quickly.
RtmpOptions TestOptions() {
  RtmpOptions o;
  o.listen_address = "127.0.0.1";
  o.port = 0;
  o.io_threads = 2;  // Strands must keep each connection's work serial across threads.
  o.handshake_timeout = 3s;
  o.publish_timeout = 6s;
  o.idle_timeout = 5s;
  return o;
}

struct Harness {
  explicit Harness(RtmpOptions options = TestOptions(), prometheus::Registry* registry = nullptr)
      : admission(dir.path().string()), server(std::move(options), admission, registry) {
    const absl::Status started = server.Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
    REQUIRE(server.port() != 0);
  }
  std::string Url(const std::string& key) const {
    return "rtmp://127.0.0.1:" + std::to_string(server.port()) + "/live/" + key;
  }
  std::string LogPath(const std::string& name) const { return dir.File(name + ".log"); }

  TempDir dir;
  FakeAdmission admission;
  RtmpServer server;
};

// ffmpeg publishing a test pattern with a tone, H.264 + AAC in FLV. `realtime` paces it like a
// live encoder; otherwise it sends `seconds` of media as fast as it can.
std::vector<std::string> FfmpegPublish(const std::string& url, int seconds, bool realtime) {
  std::vector<std::string> a = {"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error"};
  if (realtime) a.push_back("-re");
  for (const char* s : {"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30"}) a.push_back(s);
  if (realtime) a.push_back("-re");
  for (const char* s : {"-f", "lavfi", "-i", "sine=frequency=440"}) a.push_back(s);
  for (const char* s : {"-t", ""}) a.push_back(s);
  a.back() = std::to_string(seconds);
  for (const char* s : {"-c:v", "libx264", "-g", "30", "-preset", "ultrafast", "-tune",
                        "zerolatency", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv"}) {
    a.push_back(s);
  }
  a.push_back(url);
  return a;
}

// The recording holds an H.264 and an AAC stream lasting about `seconds`, and every frame
// decodes without a single error.
void CheckRecording(const Harness& h, const std::string& path, double seconds) {
  std::string probe;
  REQUIRE(RunTool({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,codec_type",
                   "-show_entries", "format=duration", "-of", "json", path},
                  h.LogPath("ffprobe"), 60s, &probe) == 0);
  INFO(probe);
  const nlohmann::json info = nlohmann::json::parse(probe);
  // Only audio and video count: ffprobe shows GStreamer's flvmux metadata as a "text" stream
  // even in a file flvmux writes itself.
  std::set<std::string> codecs;
  for (const auto& s : info.at("streams")) {
    const std::string type = s.at("codec_type").get<std::string>();
    if (type == "video" || type == "audio") codecs.insert(s.at("codec_name").get<std::string>());
  }
  CHECK(codecs == std::set<std::string>{"h264", "aac"});
  const double duration = std::stod(info.at("format").at("duration").get<std::string>());
  CHECK(duration == Approx(seconds).margin(0.5));

  std::string errors;
  CHECK(RunTool({"ffmpeg", "-v", "error", "-nostdin", "-i", path, "-f", "null", "-"},
                h.LogPath("decode"), 60s, &errors) == 0);
  CHECK(errors.empty());
}

// The open-connections gauge: 0 once every connection's session has run to its end, after
// which nothing can call its MediaSession any more.
double OpenConnections(prometheus::Registry& registry) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "rtmp_connections") continue;
    double total = 0;
    for (const auto& m : family.metric) total += m.gauge.value;
    return total;
  }
  return -1;
}

absl::Status CloseStatus(PublishRecord& r) {
  std::lock_guard<std::mutex> lock(r.mu);
  return r.close_status;
}

TEST_CASE("ffmpeg publishes H.264 and AAC over RTMP and every frame arrives intact") {
  prometheus::Registry registry;
  Harness h(TestOptions(), &registry);
  std::string log;
  const int code =
      RunTool(FfmpegPublish(h.Url("sk_good"), 3, false), h.LogPath("ffmpeg"), 60s, &log);
  INFO(log);
  REQUIRE(code == 0);

  const std::vector<std::shared_ptr<PublishRecord>> records = h.admission.records();
  REQUIRE(records.size() == 1);
  PublishRecord& r = *records[0];
  // The publisher's goodbye (FCUnpublish/deleteStream or its close) ends the session once: by
  // the time the connection is gone, a second Close would have been made.
  REQUIRE(PollUntil([&] { return OpenConnections(registry) == 0; }, 10s));
  CHECK(r.closes.load() == 1);
  CheckRecording(h, r.path, 3.0);
}

TEST_CASE("gst-launch-1.0 publishes over RTMP with rtmp2sink and every frame arrives intact") {
  prometheus::Registry registry;
  Harness h(TestOptions(), &registry);
  std::string log;
  const int code = RunTool({"gst-launch-1.0",
                            "-q",
                            "videotestsrc",
                            "num-buffers=90",
                            "!",
                            "video/x-raw,width=640,height=360,framerate=30/1",
                            "!",
                            "x264enc",
                            "tune=zerolatency",
                            "key-int-max=30",
                            "speed-preset=ultrafast",
                            "!",
                            "h264parse",
                            "!",
                            "flvmux",
                            "streamable=true",
                            "name=m",
                            "!",
                            "rtmp2sink",
                            "location=" + h.Url("sk_other"),
                            "audiotestsrc",
                            "num-buffers=130",
                            "!",
                            "audioconvert",
                            "!",
                            "voaacenc",
                            "!",
                            "aacparse",
                            "!",
                            "m."},
                           h.LogPath("gst"), 60s, &log);
  INFO(log);
  REQUIRE(code == 0);

  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_other", 5s);
  REQUIRE(r != nullptr);
  REQUIRE(PollUntil([&] { return OpenConnections(registry) == 0; }, 10s));
  CHECK(r->closes.load() == 1);
  CheckRecording(h, r->path, 3.0);
}

double GaugeValue(prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name == name && !family.metric.empty()) return family.metric[0].gauge.value;
  }
  return -1;
}

double RejectedTotal(prometheus::Registry& registry, const std::string& reason) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "rtmp_connections_rejected_total") continue;
    for (const auto& m : family.metric) {
      for (const auto& label : m.label) {
        if (label.name == "reason" && label.value == reason) return m.counter.value;
      }
    }
  }
  return -1;
}

TEST_CASE("a wrong or oversized stream key is refused and no media is accepted") {
  prometheus::Registry registry;
  Harness h(TestOptions(), &registry);
  std::string log;
  const int wrong =
      RunTool(FfmpegPublish(h.Url("sk_bad"), 2, false), h.LogPath("wrong"), 60s, &log);
  INFO(log);
  CHECK(wrong > 0);
  CHECK(h.admission.records().empty());
  CHECK(h.admission.refused() == 1);
  CHECK(PollUntil([&] { return RejectedTotal(registry, "admission_refused") == 1; }, 5s));

  // Longer than kMaxStreamKeyBytes: refused without even asking the admission.
  const int oversized =
      RunTool(FfmpegPublish(h.Url(std::string(kMaxStreamKeyBytes + 1, 'k')), 2, false),
              h.LogPath("oversized"), 60s, &log);
  CHECK(oversized > 0);
  CHECK(h.admission.refused() == 1);
  CHECK(h.admission.records().empty());
}

// A real encoder publishing in real time on the server under attack.
struct LivePublish {
  explicit LivePublish(Harness& h)
      : ffmpeg(FfmpegPublish(h.Url("sk_good"), 40, true), h.LogPath("live-ffmpeg")) {
    record = h.admission.WaitForRecord("sk_good", 20s);
    INFO(ffmpeg.log());
    REQUIRE(record != nullptr);
    RequireGrowing();
  }

  // The stream keeps delivering media: its byte count grows within a few seconds.
  void RequireGrowing() {
    const uint64_t before = record->bytes.load();
    INFO("bytes before: " << before);
    REQUIRE(PollUntil([&] { return record->bytes.load() > before + 4096; }, 8s));
    REQUIRE(record->closes.load() == 0);
  }

  Tool ffmpeg;
  std::shared_ptr<PublishRecord> record;
};

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// One chunk, type-0 header on chunk stream `csid`, message stream 0, timestamp 0, declaring
// `length` bytes of message `type`, followed by `payload`.
std::vector<uint8_t> Chunk(uint8_t csid, uint8_t type, uint32_t length,
                           const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> c = {csid,
                            0,
                            0,
                            0,
                            static_cast<uint8_t>(length >> 16),
                            static_cast<uint8_t>(length >> 8),
                            static_cast<uint8_t>(length),
                            type,
                            0,
                            0,
                            0,
                            0};
  c.insert(c.end(), payload.begin(), payload.end());
  return c;
}

TEST_CASE("random bytes are cut at once while a live stream keeps flowing") {
  Harness h;
  LivePublish live(h);
  std::mt19937 rng(42);
  std::vector<uint8_t> junk(8192);
  for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
  junk[0] = 0xAB;  // Not RTMP version 3.
  TcpClient c(h.server.port());
  c.Send(junk);  // May fail part-way: the server hangs up mid-send.
  live.RequireGrowing();
  CHECK(c.WaitForClose(2500ms));  // Well before the 3 s handshake timeout.
  live.RequireGrowing();
}

TEST_CASE("a truncated handshake is cut at the handshake timeout while a stream flows") {
  Harness h;
  LivePublish live(h);
  std::vector<uint8_t> partial(1 + 500, 0);
  partial[0] = 3;
  TcpClient c(h.server.port());
  const Clock::time_point start = Clock::now();
  REQUIRE(c.Send(partial));
  live.RequireGrowing();
  REQUIRE(c.WaitForClose(10s));
  CHECK(SecondsSince(start) > 2.5);  // The 3 s handshake timeout, not earlier.
  live.RequireGrowing();
}

TEST_CASE("an oversized SetChunkSize is cut while a stream flows") {
  Harness h;
  LivePublish live(h);
  TcpClient c(h.server.port());
  REQUIRE(c.Handshake(5s));
  REQUIRE(c.Send(Chunk(2, 1, 4, {0x7F, 0xFF, 0xFF, 0xFF})));
  live.RequireGrowing();
  CHECK(c.WaitForClose(3s));  // A protocol error, not the 6 s publish timeout.
  live.RequireGrowing();
}

TEST_CASE("a chunk declaring a 16 MiB message is cut while a stream flows") {
  Harness h;
  LivePublish live(h);
  TcpClient c(h.server.port());
  REQUIRE(c.Handshake(5s));
  REQUIRE(c.Send(Chunk(3, 20, 0xFFFFFF, std::vector<uint8_t>(128, 0x02))));
  live.RequireGrowing();
  CHECK(c.WaitForClose(3s));  // A protocol error, not the 6 s publish timeout.
  live.RequireGrowing();
}

TEST_CASE("a slow-loris client is cut at the handshake timeout while a stream flows") {
  Harness h;
  LivePublish live(h);
  TcpClient c(h.server.port());
  const Clock::time_point start = Clock::now();
  const std::vector<uint8_t> one = {3};
  bool cut = false;
  for (int i = 0; i < 12 && !cut; ++i) {
    cut = !c.Send(one) || c.WaitForClose(1s);
    if (i == 1) live.RequireGrowing();
  }
  CHECK(cut);
  CHECK(SecondsSince(start) > 2.5);
  CHECK(SecondsSince(start) < 9);
  live.RequireGrowing();
}

TEST_CASE("a thousand idle connections are cut while a stream flows") {
  rlimit limit{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &limit) == 0);
  REQUIRE(limit.rlim_cur >= 2200);  // Both ends of every connection live in this process.

  RtmpOptions options = TestOptions();
  options.max_connections = 100;
  Harness h(options);
  LivePublish live(h);
  std::vector<std::unique_ptr<TcpClient>> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(std::make_unique<TcpClient>(h.server.port()));
  const Clock::time_point start = Clock::now();
  auto closed = [&] {
    size_t n = 0;
    for (auto& c : idle) n += c->Closed() ? 1 : 0;
    return n;
  };
  // Beyond max_connections (the publisher holds one slot) they are closed on accept...
  CHECK(PollUntil([&] { return closed() >= 901; }, 2s));
  live.RequireGrowing();
  // ...and the admitted ones at the handshake timeout.
  CHECK(PollUntil([&] { return closed() == 1000; }, 10s));
  CHECK(SecondsSince(start) > 2.5);
  live.RequireGrowing();
}

TEST_CASE("a client flooding pings without reading the replies is cut at the publish timeout") {
  Harness h;
  LivePublish live(h);
  TcpClient c(h.server.port());
  const Clock::time_point start = Clock::now();
  REQUIRE(c.Handshake(5s));
  const timeval send_timeout{0, 200000};
  REQUIRE(setsockopt(c.fd(), SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout)) == 0);
  std::vector<uint8_t> pings;
  for (int i = 0; i < 1000; ++i) {
    const std::vector<uint8_t> ping = Chunk(2, 4, 6, {0, 6, 0, 0, 0, static_cast<uint8_t>(i)});
    pings.insert(pings.end(), ping.begin(), ping.end());
  }
  // Each ping asks for a reply we never read: the server must stop reading us rather than
  // queue replies, until the publish timeout (6 s from connect) cuts us.
  bool stuck = false;
  while (!stuck && SecondsSince(start) < 12) stuck = !c.Send(pings);
  CHECK(stuck);
  live.RequireGrowing();
  REQUIRE(c.WaitForClose(10s));
  CHECK(SecondsSince(start) < 6 + 4);
  live.RequireGrowing();
}

TEST_CASE("the DisconnectFn cuts a publishing ffmpeg from another thread") {
  Harness h;
  LivePublish live(h);
  std::thread([&] { live.record->disconnect(); }).join();
  CHECK(live.ffmpeg.Wait(15s) >= 0);
  REQUIRE(PollUntil([&] { return live.record->closes.load() == 1; }, 5s));
  CHECK(ReasonOf(CloseStatus(*live.record)) == "RTMP_DISCONNECTED");
  // Safe again and after the server is gone.
  live.record->disconnect();
  h.server.Stop();
  live.record->disconnect();
  CHECK(live.record->closes.load() == 1);
}

TEST_CASE("Stop closes a publishing connection and its media session once") {
  Harness h;
  LivePublish live(h);
  h.server.Stop();
  CHECK(live.record->closes.load() == 1);
  CHECK(ReasonOf(CloseStatus(*live.record)) == "RTMP_SERVER_STOPPING");
  CHECK(live.ffmpeg.Wait(15s) >= 0);
}

TEST_CASE("a media session that stops accepting bytes ends the connection") {
  Harness h;
  LivePublish live(h);
  live.record->refuse_writes = true;
  CHECK(live.ffmpeg.Wait(15s) >= 0);
  REQUIRE(PollUntil([&] { return live.record->closes.load() == 1; }, 5s));
  CHECK(ReasonOf(CloseStatus(*live.record)) == "MEDIA_SESSION_ENDED");
}

// This process's resident memory (both ends of every connection live here).
size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::vector<uint8_t> SetChunkSize(uint32_t size) {
  return Chunk(2, 1, 4,
               {static_cast<uint8_t>(size >> 24), static_cast<uint8_t>(size >> 16),
                static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)});
}

TEST_CASE("unauthenticated connections sending large partial messages cannot grow memory") {
  RtmpOptions options = TestOptions();
  options.max_pending_connections = 32;
  options.max_pending_per_address = 1000;  // All clients are 127.0.0.1 here.
  prometheus::Registry registry;
  Harness h(options, &registry);
  LivePublish live(h);
  const size_t before = ResidentBytes();
  size_t peak = before;
  const timeval send_timeout{1, 0};  // The server stops reading a client it cuts.

  // Each client declares a 4 MiB message and sends nearly all of it, never finishing it: before
  // the fix the server kept up to 16 MiB of such partial messages per connection.
  std::vector<std::unique_ptr<TcpClient>> flood;
  const std::vector<uint8_t> block(64 * 1024, 0x02);
  for (int i = 0; i < 48; ++i) {
    auto c = std::make_unique<TcpClient>(h.server.port());
    REQUIRE(setsockopt(c->fd(), SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout)) == 0);
    REQUIRE(c->Handshake(5s));
    bool open = c->Send(SetChunkSize(64 * 1024)) && c->Send(Chunk(3, 20, 4 * 1024 * 1024, block));
    for (int sent = 1; open && sent < 63; ++sent) {
      open = c->Send(std::vector<uint8_t>{0xC3}) && c->Send(block);
    }
    peak = std::max(peak, ResidentBytes());
    flood.push_back(std::move(c));
  }
  // Wait until the server has dealt with every client (cut it, or read all it sent), sampling
  // what we hold on the way.
  PollUntil(
      [&] {
        peak = std::max(peak, ResidentBytes());
        size_t closed = 0;
        for (auto& c : flood) closed += c->Closed() ? 1 : 0;
        return closed == flood.size();
      },
      4s);
  peak = std::max(peak, ResidentBytes());
  INFO("resident before " << before << ", peak " << peak);
  // 48 clients x 4 MiB would be 192 MiB; the pending budget is 32 x ~200 KiB.
  CHECK(peak - before < 48u * 1024 * 1024);
  live.RequireGrowing();

  // Clients that stay inside the per-connection limits are held, but only as many as the
  // pending budget: newcomers evict the oldest.
  std::vector<std::unique_ptr<TcpClient>> held;
  for (int i = 0; i < 64; ++i) {
    auto c = std::make_unique<TcpClient>(h.server.port());
    REQUIRE(c->Handshake(5s));
    REQUIRE(c->Send(SetChunkSize(64 * 1024)));
    c->Send(Chunk(3, 20, 60000, std::vector<uint8_t>(50000, 0x02)));
    held.push_back(std::move(c));
  }
  const double budget = 32.0 * 200 * 1024;
  double max_pending_bytes = 0;
  PollUntil(
      [&] {
        max_pending_bytes =
            std::max(max_pending_bytes, GaugeValue(registry, "rtmp_pending_buffered_bytes"));
        return RejectedTotal(registry, "evicted") >= 32;
      },
      5s);
  CHECK(RejectedTotal(registry, "evicted") >= 32);
  CHECK(max_pending_bytes > 0);
  CHECK(max_pending_bytes <= budget);
  CHECK(GaugeValue(registry, "rtmp_pending_buffered_bytes") <= budget);
  live.RequireGrowing();
}

TEST_CASE("silent connections holding every slot do not keep a real encoder out") {
  RtmpOptions options = TestOptions();
  options.handshake_timeout = 30s;  // The silent clients stay unless evicted.
  options.publish_timeout = 30s;
  options.max_connections = 40;
  options.max_pending_connections = 20;
  options.max_pending_per_address = 1000;
  prometheus::Registry registry;
  Harness h(options, &registry);
  LivePublish live(h);  // Admitted first: holds a slot that no newcomer may take.
  std::vector<std::unique_ptr<TcpClient>> silent;
  for (int i = 0; i < 60; ++i) silent.push_back(std::make_unique<TcpClient>(h.server.port()));
  // Every one of them has been accepted (and 40 of them evicted or refused) before ffmpeg tries.
  REQUIRE(PollUntil([&] { return RejectedTotal(registry, "evicted") >= 40; }, 5s));

  std::string log;
  const int code =
      RunTool(FfmpegPublish(h.Url("sk_other"), 2, false), h.LogPath("ffmpeg"), 60s, &log);
  INFO(log);
  CHECK(code == 0);
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_other", 1s);
  REQUIRE(r != nullptr);
  CHECK(r->bytes.load() > 10000);
  live.RequireGrowing();
}

TEST_CASE("one address cannot hold more than its share of unauthenticated connections") {
  RtmpOptions options = TestOptions();
  options.handshake_timeout = 30s;  // Only the cap can close a silent client early.
  options.publish_timeout = 30s;
  options.max_pending_per_address = 4;
  prometheus::Registry registry;
  Harness h(options, &registry);
  // An admitted publisher does not count against its address's share.
  LivePublish live(h);
  std::vector<std::unique_ptr<TcpClient>> mine;
  for (int i = 0; i < 4; ++i) mine.push_back(std::make_unique<TcpClient>(h.server.port()));
  REQUIRE(mine[3]->Handshake(5s));  // Accepted in order: all four are in.
  TcpClient fifth(h.server.port());
  CHECK(fifth.WaitForClose(10s));
  CHECK(RejectedTotal(registry, "per_address_limit") == 1);
  // Another address is not affected, and the first four are still served.
  TcpClient other(h.server.port(), "127.0.0.2");
  CHECK(other.Handshake(5s));
  for (int i = 0; i < 3; ++i) CHECK(mine[i]->Handshake(5s));
  live.RequireGrowing();
}

// The first bytes of an AAC sequence header tag and of an AVC one.
const std::vector<uint8_t> kAacHeader = {0xAF, 0x00, 0x12, 0x10};
const std::vector<uint8_t> kAvcHeader = {0x17, 0x00, 0, 0, 0, 1, 0x64, 0x00, 0x1F};

void CheckCodecRefusal(Harness& h, RawPublisher& p, const std::string& names) {
  std::optional<StatusReply> refused = p.NextStatus(5s);
  REQUIRE(refused.has_value());
  INFO(refused->description);
  CHECK(refused->level == "error");
  CHECK(refused->code == "NetStream.Publish.Rejected");
  CHECK(absl::StrContains(refused->description, "UNSUPPORTED_CODEC"));
  CHECK(absl::StrContains(refused->description, names));
  CHECK(p.WaitForClose(5s));  // Well before the 5 s idle timeout would.
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_good", 1s);
  REQUIRE(r != nullptr);
  REQUIRE(PollUntil([&] { return r->refusals.load() == 1; }, 5s));
  CHECK(r->closes.load() == 0);
  CHECK(ReasonOf(CloseStatus(*r)) == "UNSUPPORTED_CODEC");
}

TEST_CASE("HEVC over RTMP is refused at its first tag with a status the encoder shows") {
  prometheus::Registry registry;
  Harness h(TestOptions(), &registry);
  SECTION("legacy codec id 12") {
    RawPublisher p(h.server.port());
    std::optional<StatusReply> started = p.Publish("live", "sk_good", 5s);
    REQUIRE(started.has_value());
    REQUIRE(started->code == "NetStream.Publish.Start");
    REQUIRE(p.SendTag(kAudio, 0, kAacHeader));
    REQUIRE(p.SendTag(kVideo, 0, {0x1C, 0x00, 0, 0, 0, 1}));
    for (uint32_t ts = 40; ts < 400; ts += 40) p.SendTag(kVideo, ts, {0x2C, 0x01, 0, 0, 0, 9});
    CheckCodecRefusal(h, p, "HEVC");
    // Nothing of the HEVC stream reached the media session: the AAC tag was still held back
    // (the tracks were not known), and is dropped with the refusal.
    CHECK(h.admission.WaitForRecord("sk_good", 1s)->bytes.load() == 0);
  }
  SECTION("enhanced RTMP 'hvc1'") {
    RawPublisher p(h.server.port());
    REQUIRE(p.Publish("live", "sk_good", 5s).has_value());
    REQUIRE(p.SendTag(kVideo, 0, {0x90, 'h', 'v', 'c', '1', 1, 2, 3}));
    CheckCodecRefusal(h, p, "HEVC");
  }
  CHECK(PollUntil([&] { return RejectedTotal(registry, "unsupported_codec") == 1; }, 5s));
}

TEST_CASE("HEVC over RTMP with HEVC taken over SRT is refused with a pointer to SRT") {
  prometheus::Registry registry;
  RtmpOptions options = TestOptions();
  options.codecs.hevc = CodecCheckOptions::Hevc::kSrtOnly;
  Harness h(options, &registry);
  RawPublisher p(h.server.port());
  REQUIRE(p.Publish("live", "sk_good", 5s).has_value());
  REQUIRE(p.SendTag(kVideo, 0, {0x90, 'h', 'v', 'c', '1', 1, 2, 3}));
  CheckCodecRefusal(h, p, "publish HEVC over SRT");
  CHECK(PollUntil([&] { return RejectedTotal(registry, "unsupported_codec") == 1; }, 5s));
}

TEST_CASE("A malformed enhanced RTMP video header ends the connection as a protocol error") {
  prometheus::Registry registry;
  Harness h(TestOptions(), &registry);
  RawPublisher p(h.server.port());
  REQUIRE(p.Publish("live", "sk_good", 5s).has_value());
  REQUIRE(p.SendTag(kAudio, 0, kAacHeader));
  // IsExHeader | keyframe | CodedFrames, then a FourCC cut short.
  REQUIRE(p.SendTag(kVideo, 0, {0x91, 'h', 'v'}));
  CHECK(p.WaitForClose(5s));
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_good", 1s);
  REQUIRE(r != nullptr);
  // Not a codec refusal: the session is closed with the protocol error (and gets what came
  // before it, as any publish that ends does), the malformed tag itself never.
  REQUIRE(PollUntil([&] { return r->closes.load() == 1; }, 5s));
  CHECK(r->refusals.load() == 0);
  CHECK(ReasonOf(CloseStatus(*r)) == "RTMP_VIDEO_TAG_INVALID");
  CHECK(PollUntil([&] { return RejectedTotal(registry, "protocol_error") == 1; }, 5s));
}

// The FLV header flags byte of what the media session received.
int HeaderFlags(const PublishRecord& r) {
  std::ifstream in(r.path, std::ios::binary);
  char header[5] = {};
  if (!in.read(header, sizeof header)) return -1;
  return static_cast<unsigned char>(header[4]);
}

TEST_CASE("Accepted HEVC over enhanced RTMP reaches the media session as audio-and-video FLV") {
  RtmpOptions options = TestOptions();
  options.codecs.hevc = CodecCheckOptions::Hevc::kAccepted;
  Harness h(options);
  RawPublisher p(h.server.port());
  REQUIRE(p.Publish("live", "sk_good", 5s).has_value());
  REQUIRE(p.SendTag(kAudio, 0, kAacHeader));
  // The 'hvc1' sequence start with a minimal valid hvcC (one SPS), then CodedFrames.
  std::vector<uint8_t> start = {0x90, 'h',  'v',  'c',  '1',  0x01, 0x01, 0x60, 0,    0,
                                0,    0x90, 0,    0,    0,    0,    0,    0x3F, 0xF0, 0x00,
                                0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x01, 0xA1, 0x00,
                                0x01, 0x00, 0x04, 0x42, 0x01, 0x01, 0x01};
  REQUIRE(p.SendTag(kVideo, 0, start));
  const std::vector<uint8_t> frame = {0xA1, 'h', 'v', 'c', '1', 0, 0, 33, 0, 0, 0, 2, 0x02, 0x01};
  for (uint32_t ts = 33; ts < 330; ts += 33) REQUIRE(p.SendTag(kVideo, ts, frame));
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_good", 5s);
  REQUIRE(r != nullptr);
  // Header, the held AAC and HEVC sequence starts, nine frames: all passed on, nothing refused.
  const uint64_t expected =
      13 + (11 + kAacHeader.size() + 4) + (11 + start.size() + 4) + 9 * (11 + frame.size() + 4);
  REQUIRE(PollUntil([&] { return r->bytes.load() >= expected; }, 5s));
  CHECK(r->refusals.load() == 0);
  CHECK(HeaderFlags(*r) == 0x05);
}

TEST_CASE("ffmpeg publishing audio only reaches the packager as audio-only FLV") {
  Harness h;
  std::string log;
  const int code =
      RunTool({"ffmpeg", "-hide_banner", "-nostdin", "-re", "-f", "lavfi", "-i",
               "sine=frequency=440", "-t", "3", "-c:a", "aac", "-f", "flv", h.Url("sk_good")},
              h.LogPath("ffmpeg"), 60s, &log);
  INFO(log);
  CHECK(code == 0);
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_good", 1s);
  REQUIRE(r != nullptr);
  REQUIRE(PollUntil([&] { return r->closes.load() == 1; }, 5s));
  CHECK(r->refusals.load() == 0);
  // The header announces audio only (flvdemux would wait for video otherwise), and the file
  // holds the whole publish: ffmpeg's metadata announced audio only, so nothing waited.
  CHECK(HeaderFlags(*r) == 0x04);
  std::string probe;
  REQUIRE(RunTool({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,codec_type",
                   "-show_entries", "format=duration", "-of", "json", r->path},
                  h.LogPath("ffprobe"), 60s, &probe) == 0);
  INFO(probe);
  const nlohmann::json info = nlohmann::json::parse(probe);
  std::set<std::string> codecs;
  for (const auto& stream : info.at("streams")) {
    const std::string type = stream.at("codec_type").get<std::string>();
    if (type == "video" || type == "audio") codecs.insert(stream.at("codec_name"));
  }
  CHECK(codecs == std::set<std::string>{"aac"});
  CHECK(std::stod(info.at("format").at("duration").get<std::string>()) == Approx(3).margin(0.2));
}

TEST_CASE("Audio without metadata is held until two seconds of it show there is no video") {
  Harness h;
  RawPublisher p(h.server.port());
  REQUIRE(p.Publish("live", "sk_good", 5s).has_value());
  REQUIRE(p.SendTag(kAudio, 0, kAacHeader));
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_good", 5s);
  REQUIRE(r != nullptr);
  uint32_t ts = 23;
  for (; ts < CodecCheck::kAudioOnlyAfterMs; ts += 23) {
    REQUIRE(p.SendTag(kAudio, ts, {0xAF, 0x01, 0x21}));
  }
  REQUIRE(p.SendTag(kAudio, ts, {0xAF, 0x01, 0x21}));
  const uint64_t tags = (ts - 23) / 23 + 1;  // Audio frames, the deciding one included.
  // Every held tag arrives behind a header announcing audio alone.
  const uint64_t all = 13 + (11 + 4 + 4) + tags * (11 + 3 + 4);
  CHECK(PollUntil([&] { return r->bytes.load() == all; }, 5s));
  CHECK(HeaderFlags(*r) == 0x04);
  CHECK(r->refusals.load() == 0);
}

TEST_CASE("H.264 with AAC sent by hand passes the codec check") {
  Harness h;
  RawPublisher p(h.server.port());
  REQUIRE(p.Publish("live", "sk_good", 5s).has_value());
  REQUIRE(p.SendTag(kAudio, 0, kAacHeader));
  REQUIRE(p.SendTag(kVideo, 0, kAvcHeader));
  for (uint32_t ts = 23; ts < 3000; ts += 23) REQUIRE(p.SendTag(kAudio, ts, {0xAF, 0x01, 0x21}));
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_good", 5s);
  REQUIRE(r != nullptr);
  const uint64_t all = 13 + (11 + 4 + 4) + (11 + 9 + 4) + 130 * (11 + 3 + 4);
  CHECK(PollUntil([&] { return r->bytes.load() == all; }, 5s));
  CHECK(HeaderFlags(*r) == 0x05);
  CHECK(r->refusals.load() == 0);
  CHECK(r->closes.load() == 0);
}

double CounterTotal(prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    double total = 0;
    for (const auto& m : family.metric) total += m.counter.value;
    return total;
  }
  return -1;
}

// Batched reads (RtmpOptions::read_batch): a publisher paced like a live encoder at about
// 1 MB/s, 10 KB video tags every 10 ms; after the first rate window its low-water mark is about
// 30 KB. Returns the FLV bytes its tags make.
struct PacedPublisher {
  static constexpr size_t kTagPayload = 10 * 1000;
  static constexpr auto kInterval = 10ms;

  explicit PacedPublisher(Harness& h) : p(std::make_unique<RawPublisher>(h.server.port())) {
    REQUIRE(p->Publish("live", "sk_good", 5s).has_value());
    REQUIRE(p->SendTag(kAudio, 0, kAacHeader));
    REQUIRE(p->SendTag(kVideo, 0, kAvcHeader));
    flv_bytes = 13 + (11 + kAacHeader.size() + 4) + (11 + kAvcHeader.size() + 4);
  }
  // Sends tags on a fixed schedule (as `ffmpeg -re` does) for `span`; returns how many.
  int Pace(std::chrono::milliseconds span) {
    std::vector<uint8_t> frame(kTagPayload, 0);
    frame[0] = 0x27;  // AVC inter frame, a NALU packet.
    frame[1] = 0x01;
    const auto start = std::chrono::steady_clock::now();
    int sent = 0;
    for (auto at = start; at - start < span; at += kInterval) {
      std::this_thread::sleep_until(at);  // Pacing a live source, not waiting for a result.
      REQUIRE(p->SendTag(kVideo, ts, frame));
      ts += 10;
      flv_bytes += 11 + frame.size() + 4;
      ++sent;
    }
    return sent;
  }
  // One small audio frame, as a stream gone quiet sends.
  void SendQuietFrame() {
    REQUIRE(p->SendTag(kAudio, ts, {0xAF, 0x01, 0x21}));
    flv_bytes += 11 + 3 + 4;
  }

  std::unique_ptr<RawPublisher> p;
  uint32_t ts = 10;
  uint64_t flv_bytes = 0;
};

TEST_CASE("a publisher whose bitrate drops has its bytes read within the read-batching bound") {
  prometheus::Registry registry;
  RtmpOptions options = TestOptions();
  options.read_batch = 30ms;
  options.read_batch_max_delay = 100ms;
  Harness h(options, &registry);
  PacedPublisher pub(h);
  pub.Pace(1200ms);  // The first rate window ends: the mark goes up.
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_good", 5s);
  REQUIRE(r != nullptr);

  // Steady: a wake-up per ~30 KB, not one per 10 KB tag.
  const double reads_before = CounterTotal(registry, "rtmp_reads_total");
  const int tags = pub.Pace(1000ms);
  const double reads = CounterTotal(registry, "rtmp_reads_total") - reads_before;
  INFO("reads " << reads << " for " << tags << " tags");
  CHECK(reads < tags * 0.6);

  // The stream goes quiet: the last tags and a small frame at a time sit below the ~30 KB mark
  // (halved at each drop), and the bound (each connection's timer, max delay after its last
  // read) gets them read. The kernel may also hand them over at once whatever the mark (when
  // the receive window has shrunk to a segment, tcp_epollin_ready), never later: each frame is
  // read within the bound, by at most one drop, and over the three the bound did act.
  const double flushes_at_quiet = CounterTotal(registry, "rtmp_read_batch_flushes_total");
  for (int i = 0; i < 3; ++i) {
    const double flushes_before = CounterTotal(registry, "rtmp_read_batch_flushes_total");
    const auto quiet_at = std::chrono::steady_clock::now();
    pub.SendQuietFrame();
    REQUIRE(PollUntil([&] { return r->bytes.load() == pub.flv_bytes; }, 5s));
    const auto waited = std::chrono::steady_clock::now() - quiet_at;
    INFO("frame " << i << " waited "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                  << " ms");
    // 100 ms and PollUntil's 20 ms steps, with room for a busy machine.
    CHECK(waited < 400ms);
    CHECK(CounterTotal(registry, "rtmp_read_batch_flushes_total") <= flushes_before + 1);
  }
  CHECK(CounterTotal(registry, "rtmp_read_batch_flushes_total") >= flushes_at_quiet + 1);
  CHECK(r->closes.load() == 0);
}

TEST_CASE("a batched publisher hanging up below its low-water mark is closed at once") {
  prometheus::Registry registry;
  RtmpOptions options = TestOptions();
  options.read_batch = 30ms;
  // Longer than the test waits: only the hang-up itself can get the last bytes read.
  options.read_batch_max_delay = 2s;
  Harness h(options, &registry);
  PacedPublisher pub(h);
  pub.Pace(1500ms);
  std::shared_ptr<PublishRecord> r = h.admission.WaitForRecord("sk_good", 5s);
  REQUIRE(r != nullptr);
  pub.SendQuietFrame();
  const auto closed_at = std::chrono::steady_clock::now();
  pub.p.reset();  // FIN with bytes queued below the mark.
  REQUIRE(PollUntil([&] { return r->closes.load() == 1; }, 5s));
  CHECK(std::chrono::steady_clock::now() - closed_at < 1s);
  CHECK(r->bytes.load() == pub.flv_bytes);
  CHECK(CounterTotal(registry, "rtmp_read_batch_flushes_total") == 0);
  CHECK(ReasonOf(CloseStatus(*r)) == "RTMP_CONNECTION_CLOSED");
}

TEST_CASE("with read batching off a publisher's reads are not batched") {
  prometheus::Registry registry;
  RtmpOptions options = TestOptions();
  options.read_batch = 0ms;
  Harness h(options, &registry);
  PacedPublisher pub(h);
  pub.Pace(1200ms);
  const double reads_before = CounterTotal(registry, "rtmp_reads_total");
  const int tags = pub.Pace(500ms);
  const double reads = CounterTotal(registry, "rtmp_reads_total") - reads_before;
  INFO("reads " << reads << " for " << tags << " tags");
  CHECK(reads > tags * 0.6);
  CHECK(CounterTotal(registry, "rtmp_read_batch_flushes_total") == 0);
}

}  // namespace
}  // namespace shopcast::video_ingest::rtmp
