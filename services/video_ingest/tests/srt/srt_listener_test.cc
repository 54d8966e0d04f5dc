// The SRT listener against real encoders: ffmpeg (and, where the test must know exactly what
// was sent, an in-process libsrt caller) publishes MPEG-TS over SRT; ffprobe and ffmpeg check
// what the fake admission recorded.

#include "srt/srt_listener.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fake_admission.h"
#include "ffmpeg_check.h"
#include "ingest/backoff_admission.h"
#include "ingest/refusal_backoff.h"
#include "nlohmann/json.hpp"
#include "shopcast/status/status.h"
#include "shopcast/testing/temp_dir.h"
#include "srt/reject_code.h"
#include "srt/srt_library.h"

namespace shopcast::video_ingest::srt {
namespace {

using ffmpeg_check::DecodedVideoFrames;
using ffmpeg_check::SentBytes;
using testing::FakeAdmission;
using testing::RecordingSession;

constexpr double kPublishSeconds = 3.0;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` through the shell; `timeout` (coreutils) keeps a stuck tool from hanging us.
CommandResult Run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(("timeout 30 " + command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

constexpr int kFramesPerSecond = 30;

// The encoder settings every publisher here uses: a test pattern with sound, as a real encoder
// would send it.
std::string EncodeArgs(double seconds) {
  return " -f lavfi -i testsrc2=size=320x240:rate=" + std::to_string(kFramesPerSecond) +
         " -f lavfi -i sine=frequency=440:sample_rate=48000"
         " -t " +
         std::to_string(seconds) +
         " -c:v libx264 -preset ultrafast -tune zerolatency -g 30 -pix_fmt yuv420p"
         " -c:a aac -b:a 64k -f mpegts";
}

// ffmpeg pushing that pattern to the listener in real time. These tests check that every byte
// sent arrives, so the encoder must really send them all: too-late packet drop is off (on a
// loaded 2-core test machine a stall longer than the 200 ms latency would otherwise drop
// packets), and linger is on (in live mode libsrt's default is none: ffmpeg's last few packets,
// written just before it closes, would be discarded unsent). With `progress` set, ffmpeg
// reports there how many bytes it muxed (ffmpeg_check::SentBytes).
std::string PublishCommand(uint16_t port, const std::string& encoded_stream_id, double seconds,
                           const std::string& progress = "") {
  return "ffmpeg -hide_banner -nostdin -loglevel error -re" +
         (progress.empty() ? std::string() : " -progress '" + progress + "'") +
         EncodeArgs(seconds) + " 'srt://127.0.0.1:" + std::to_string(port) +
         "?streamid=" + encoded_stream_id +
         "&latency=200000&tlpktdrop=0&connect_timeout=5000&linger=5'";
}

// A listener on an ephemeral port with a fake admission recording into a temporary folder.
struct Fixture {
  explicit Fixture(SrtOptions options = {}) : admission(folder.path()) {
    options.bind_address = "127.0.0.1";
    options.port = 0;
    listener = std::make_unique<SrtListener>(options, admission, &registry);
    absl::Status started = listener->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
    REQUIRE(listener->port() != 0);
  }
  ~Fixture() { listener->Stop(); }

  // Waits for the one session recorded under `key` to be closed by the listener.
  std::shared_ptr<RecordingSession> ClosedSession(const std::string& key) {
    std::shared_ptr<RecordingSession> session;
    bool closed = WaitFor(
        [&] {
          auto sessions = admission.sessions(key);
          if (sessions.empty()) return false;
          session = sessions.front();
          return session->close_calls() > 0;
        },
        std::chrono::seconds(15));
    REQUIRE(closed);
    return session;
  }

  double MetricValue(const std::string& name) {
    double total = 0;
    for (const auto& family : registry.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        total += metric.counter.value + metric.gauge.value;
      }
    }
    return total;
  }

  shopcast::testing::TempDir folder;
  FakeAdmission admission;
  prometheus::Registry registry;
  std::unique_ptr<SrtListener> listener;
};

// What a viewer would notice about a recording: its codecs, its length, whether it decodes to
// the last frame. With `sent_bytes`, the recording holds exactly that many bytes.
void CheckRecording(const RecordingSession& session, uint64_t sent_bytes = 0,
                    double seconds = kPublishSeconds) {
  INFO("recording " << session.file());
  REQUIRE(session.bytes() > 0);
  CHECK(session.bytes() % 188 == 0);
  if (sent_bytes != 0) CHECK(session.bytes() == sent_bytes);
  CHECK(session.close_calls() == 1);
  CHECK_FALSE(session.writes_after_close());

  CommandResult probe =
      Run("ffprobe -v error -show_entries stream=codec_name:format=duration"
          " -of json '" +
          session.file().string() + "'");
  INFO(probe.output);
  REQUIRE(probe.exit_code == 0);
  nlohmann::json info = nlohmann::json::parse(probe.output);
  std::vector<std::string> codecs;
  for (const auto& stream : info["streams"]) codecs.push_back(stream["codec_name"]);
  CHECK(std::find(codecs.begin(), codecs.end(), "h264") != codecs.end());
  CHECK(std::find(codecs.begin(), codecs.end(), "aac") != codecs.end());
  double duration = std::stod(info["format"]["duration"].get<std::string>());
  CHECK(duration > seconds - 0.5);
  CHECK(duration < seconds + 0.5);

  CommandResult decode =
      Run("ffmpeg -hide_banner -nostdin -v error -i '" + session.file().string() + "' -f null -");
  INFO(decode.output);
  CHECK(decode.exit_code == 0);
  CHECK(decode.output.empty());
  // Every frame the encoder made, the last one included, is there and decodes.
  CHECK(DecodedVideoFrames(session.file().string()) ==
        static_cast<int>(seconds * kFramesPerSecond));
}

TEST_CASE("ffmpeg publishes over SRT with a plain key and the recording is complete") {
  Fixture fixture;
  const std::string progress = fixture.folder.File("ffmpeg.progress");
  CommandResult publish =
      Run(PublishCommand(fixture.listener->port(), "sk_good", kPublishSeconds, progress));
  INFO(publish.output);
  CHECK(publish.exit_code == 0);

  auto session = fixture.ClosedSession("sk_good");
  CHECK(ReasonOf(session->close_status()) == "SRT_CONNECTION_LOST");
  CheckRecording(*session, SentBytes(progress));
  CHECK_FALSE(fixture.admission.saw_wrong_protocol());
  CHECK(fixture.MetricValue("srt_bytes_received_total") >= static_cast<double>(session->bytes()));
  CHECK(WaitFor([&] { return fixture.MetricValue("srt_connections") == 0; },
                std::chrono::seconds(5)));
}

std::vector<char> ReadAll(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// An encoder that knows exactly what it delivered: `bytes` go out in real time, 1316 bytes a
// message, over a blocking libsrt socket that lingers on close until the listener has
// acknowledged every packet; only then does it hang up.
void SendAndHangUp(uint16_t port, const std::string& stream_id, const std::vector<char>& bytes,
                   double seconds) {
  SrtLibraryLease lease;
  REQUIRE(lease.Acquire().ok());
  SRTSOCKET client = srt_create_socket();
  REQUIRE(client != SRT_INVALID_SOCK);
  REQUIRE(srt_setsockflag(client, SRTO_STREAMID, stream_id.data(),
                          static_cast<int>(stream_id.size())) == 0);
  const int latency_ms = 200;
  REQUIRE(srt_setsockflag(client, SRTO_LATENCY, &latency_ms, sizeof(latency_ms)) == 0);
  const bool drop_late = false;  // As the ffmpeg publishers: a stalled machine drops nothing.
  REQUIRE(srt_setsockflag(client, SRTO_TLPKTDROP, &drop_late, sizeof(drop_late)) == 0);
  const linger wait_for_acks{1, 10};
  REQUIRE(srt_setsockflag(client, SRTO_LINGER, &wait_for_acks, sizeof(wait_for_acks)) == 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(srt_connect(client, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);

  constexpr size_t kMessage = 1316;
  const size_t messages = (bytes.size() + kMessage - 1) / kMessage;
  const auto start = std::chrono::steady_clock::now();
  const auto interval = std::chrono::duration<double>(seconds / static_cast<double>(messages));
  for (size_t i = 0; i < messages; ++i) {
    // Paced like a live encoder, so the last ~200 ms are still in the listener's latency
    // window when the encoder hangs up.
    std::this_thread::sleep_until(start +
                                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      interval * static_cast<double>(i)));
    const size_t offset = i * kMessage;
    const int size = static_cast<int>(std::min(kMessage, bytes.size() - offset));
    INFO("message " << i << ": " << srt_getlasterror_str());
    REQUIRE(srt_sendmsg2(client, bytes.data() + offset, size, nullptr) == size);
  }
  srt_close(client);  // Returns once every packet was acknowledged (linger), then hangs up.
}

TEST_CASE("every byte an encoder sends before it hangs up reaches the session") {
  Fixture fixture;
  const std::string sent = fixture.folder.File("sent.ts");
  CommandResult encode = Run("ffmpeg -hide_banner -nostdin -loglevel error" +
                             EncodeArgs(kPublishSeconds) + " '" + sent + "'");
  INFO(encode.output);
  REQUIRE(encode.exit_code == 0);
  const std::vector<char> bytes = ReadAll(sent);
  REQUIRE(bytes.size() > 100 * 1316);

  SendAndHangUp(fixture.listener->port(), "sk_good", bytes, kPublishSeconds);

  auto session = fixture.ClosedSession("sk_good");
  CHECK(ReasonOf(session->close_status()) == "SRT_CONNECTION_LOST");
  CheckRecording(*session, bytes.size());
  CHECK(ReadAll(session->file()) == bytes);
}

TEST_CASE("the SRT Access Control stream id form publishes") {
  Fixture fixture;
  const std::string progress = fixture.folder.File("ffmpeg.progress");
  // "#!::r=sk_good,m=publish", URL-encoded.
  CommandResult publish =
      Run(PublishCommand(fixture.listener->port(), "%23%21%3A%3Ar%3Dsk_good%2Cm%3Dpublish",
                         kPublishSeconds, progress));
  INFO(publish.output);
  CHECK(publish.exit_code == 0);
  CheckRecording(*fixture.ClosedSession("sk_good"), SentBytes(progress));
}

// The second encoder passes the Access Control form unencoded, as ffmpeg users often do.
TEST_CASE("two encoders publish at once on the one port") {
  Fixture fixture;
  const uint16_t port = fixture.listener->port();
  const std::string first_progress = fixture.folder.File("first.progress");
  const std::string second_progress = fixture.folder.File("second.progress");
  auto first = std::async(std::launch::async, [&] {
    return Run(PublishCommand(port, "sk_good", kPublishSeconds, first_progress));
  });
  auto second = std::async(std::launch::async, [&] {
    return Run(PublishCommand(port, "#!::u=host,r=sk_other", kPublishSeconds, second_progress));
  });
  CommandResult first_result = first.get();
  CommandResult second_result = second.get();
  INFO(first_result.output << second_result.output);
  CHECK(first_result.exit_code == 0);
  CHECK(second_result.exit_code == 0);
  CheckRecording(*fixture.ClosedSession("sk_good"), SentBytes(first_progress));
  CheckRecording(*fixture.ClosedSession("sk_other"), SentBytes(second_progress));
}

TEST_CASE("a wrong key is refused and nothing is recorded") {
  Fixture fixture;
  CommandResult publish =
      Run(PublishCommand(fixture.listener->port(), "sk_wrong", kPublishSeconds));
  CHECK(publish.exit_code != 0);
  CHECK(fixture.admission.admit_calls() == 1);
  CHECK(fixture.admission.sessions().empty());
  CHECK(fixture.MetricValue("srt_connections_rejected_total") >= 1);
}

TEST_CASE("playback (m=request) and malformed stream ids are refused in the handshake") {
  Fixture fixture;
  const uint16_t port = fixture.listener->port();
  // "#!::r=sk_good,m=request" and "#!::m=publish" (no key), URL-encoded.
  CommandResult request = Run(PublishCommand(port, "%23%21%3A%3Ar%3Dsk_good%2Cm%3Drequest", 1));
  CHECK(request.exit_code != 0);
  CommandResult no_key = Run(PublishCommand(port, "%23%21%3A%3Am%3Dpublish", 1));
  CHECK(no_key.exit_code != 0);
  // Refused before admission: the key was never looked up.
  CHECK(fixture.admission.admit_calls() == 0);
  CHECK(fixture.MetricValue("srt_connections_rejected_total") >= 2);
}

TEST_CASE("a second encoder on a live key is refused while the first keeps publishing") {
  Fixture fixture;
  const uint16_t port = fixture.listener->port();
  const std::string progress = fixture.folder.File("first.progress");
  auto first = std::async(std::launch::async, [&] {
    return Run(PublishCommand(port, "sk_good", kPublishSeconds, progress));
  });
  REQUIRE(WaitFor([&] { return !fixture.admission.sessions("sk_good").empty(); },
                  std::chrono::seconds(10)));
  CommandResult second = Run(PublishCommand(port, "sk_good", 1));
  CHECK(second.exit_code != 0);
  CommandResult first_result = first.get();
  INFO(first_result.output);
  CHECK(first_result.exit_code == 0);
  REQUIRE(fixture.admission.sessions("sk_good").size() == 1);
  CheckRecording(*fixture.ClosedSession("sk_good"), SentBytes(progress));
}

TEST_CASE("the service can cut a publisher (EndStream)") {
  Fixture fixture;
  const uint16_t port = fixture.listener->port();
  auto publisher =
      std::async(std::launch::async, [&] { return Run(PublishCommand(port, "sk_good", 15)); });
  REQUIRE(WaitFor(
      [&] {
        auto sessions = fixture.admission.sessions("sk_good");
        return !sessions.empty() && sessions.front()->bytes() > 0;
      },
      std::chrono::seconds(10)));
  auto session = fixture.admission.sessions("sk_good").front();
  session->Disconnect();
  session->Disconnect();  // Safe more than once.
  REQUIRE(publisher.wait_for(std::chrono::seconds(12)) == std::future_status::ready);
  CHECK(publisher.get().exit_code != 0);
  CHECK(session->close_calls() == 1);
  CHECK(ReasonOf(session->close_status()) == "DISCONNECTED_BY_SERVICE");
  fixture.listener->Stop();
  session->Disconnect();  // Safe after the connection and the listener are gone.
}

TEST_CASE("a client that connects and sends nothing is cut after the idle timeout") {
  SrtOptions options;
  options.idle_timeout = absl::Seconds(1);
  Fixture fixture(options);
  SrtLibraryLease lease;
  REQUIRE(lease.Acquire().ok());

  SRTSOCKET client = srt_create_socket();
  REQUIRE(client != SRT_INVALID_SOCK);
  const std::string stream_id = "sk_good";
  REQUIRE(srt_setsockflag(client, SRTO_STREAMID, stream_id.data(),
                          static_cast<int>(stream_id.size())) == 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(fixture.listener->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(srt_connect(client, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);

  auto session = fixture.ClosedSession("sk_good");
  CHECK(ReasonOf(session->close_status()) == "SRT_IDLE_TIMEOUT");
  CHECK(session->bytes() == 0);
  // The encoder side sees its connection end.
  CHECK(WaitFor([&] { return srt_getsockstate(client) != SRTS_CONNECTED; },
                std::chrono::seconds(10)));
  srt_close(client);
}

TEST_CASE("garbage datagrams on the port do not disturb a running publisher") {
  Fixture fixture;
  const uint16_t port = fixture.listener->port();
  const std::string progress = fixture.folder.File("ffmpeg.progress");
  auto publisher = std::async(std::launch::async, [&] {
    return Run(PublishCommand(port, "sk_good", kPublishSeconds, progress));
  });

  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(udp >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::mt19937 random(42);
  std::vector<uint8_t> datagram;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int sent = 0;
  while (std::chrono::steady_clock::now() < until) {
    datagram.resize(random() % 1500 + 1);
    for (auto& byte : datagram) byte = static_cast<uint8_t>(random());
    // Some look like SRT control packets (top bit set), the rest like data packets.
    if (sent % 2 == 0) datagram[0] |= 0x80;
    sendto(udp, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&address),
           sizeof(address));
    ++sent;
    if (sent % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  close(udp);

  CommandResult result = publisher.get();
  INFO(result.output << " after " << sent << " garbage datagrams");
  CHECK(result.exit_code == 0);
  CheckRecording(*fixture.ClosedSession("sk_good"), SentBytes(progress));
}

TEST_CASE("with a passphrase only encoders that know it get in") {
  SrtOptions options;
  options.passphrase = "correct-horse-battery";
  options.pbkeylen = 32;
  Fixture fixture(options);
  const uint16_t port = fixture.listener->port();
  CommandResult without = Run(PublishCommand(port, "sk_good", 1));
  CHECK(without.exit_code != 0);
  CHECK(fixture.admission.sessions().empty());

  const std::string progress = fixture.folder.File("ffmpeg.progress");
  CommandResult with = Run(
      PublishCommand(port, "sk_good&passphrase=correct-horse-battery&pbkeylen=32", 1, progress));
  INFO(with.output);
  CHECK(with.exit_code == 0);
  CheckRecording(*fixture.ClosedSession("sk_good"), SentBytes(progress), 1);
}

// Whether an SRT handshake with `ip`:`port` completes within `timeout_ms`.
bool Connects(const char* ip, uint16_t port, int timeout_ms) {
  SrtLibraryLease lease;
  REQUIRE(lease.Acquire().ok());
  SRTSOCKET client = srt_create_socket();
  REQUIRE(client != SRT_INVALID_SOCK);
  const std::string stream_id = "sk_good";
  REQUIRE(srt_setsockflag(client, SRTO_STREAMID, stream_id.data(),
                          static_cast<int>(stream_id.size())) == 0);
  REQUIRE(srt_setsockflag(client, SRTO_CONNTIMEO, &timeout_ms, sizeof(timeout_ms)) == 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  REQUIRE(inet_pton(AF_INET, ip, &address.sin_addr) == 1);
  const bool connected =
      srt_connect(client, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  srt_close(client);
  return connected;
}

// An IPv4 address of this machine other than loopback ("" if it has none). Loopback aliases
// such as 127.0.0.2 do not serve: a listener on every interface answers them from 127.0.0.1,
// which the caller does not accept as the peer it called.
std::string OtherLocalAddress() {
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return "";
  std::string found;
  for (ifaddrs* i = interfaces; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_LOOPBACK) != 0) continue;
    std::array<char, INET_ADDRSTRLEN> text{};
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text.data(),
              text.size());
    found = text.data();
  }
  freeifaddrs(interfaces);
  return found;
}

TEST_CASE("a listener bound to loopback cannot be reached on another address") {
  Fixture loopback;  // Bound to 127.0.0.1.
  CHECK(Connects("127.0.0.1", loopback.listener->port(), 10000));

  const std::string other = OtherLocalAddress();
  if (other.empty()) {
    WARN("this machine has no address but loopback: the other-address check is left out");
  } else {
    INFO("other local address " << other);
    CHECK_FALSE(Connects(other.c_str(), loopback.listener->port(), 1000));
    // Bound to every interface the same kind of listener answers there: the refusal above is
    // the binding's doing.
    shopcast::testing::TempDir folder;
    FakeAdmission admission(folder.path());
    SrtOptions options;
    options.bind_address = "0.0.0.0";
    options.port = 0;
    SrtListener everywhere(options, admission);
    REQUIRE(everywhere.Start().ok());
    CHECK(Connects(other.c_str(), everywhere.port(), 10000));
  }

  SrtOptions named;
  named.bind_address = "localhost";  // libsrt binds addresses, not names.
  named.port = 0;
  shopcast::testing::TempDir folder;
  FakeAdmission admission(folder.path());
  SrtListener refused(named, admission);
  absl::Status started = refused.Start();
  CHECK(started.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(started) == "SRT_OPTIONS_INVALID");
}

// A libsrt caller publishing with `stream_id`: the connected socket, or SRT_INVALID_SOCK with
// the rejection code the listener sent in *reject_reason.
SRTSOCKET Dial(uint16_t port, const std::string& stream_id, int* reject_reason) {
  SRTSOCKET client = srt_create_socket();
  REQUIRE(client != SRT_INVALID_SOCK);
  REQUIRE(srt_setsockflag(client, SRTO_STREAMID, stream_id.data(),
                          static_cast<int>(stream_id.size())) == 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (srt_connect(client, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    return client;
  }
  *reject_reason = srt_getrejectreason(client);
  srt_close(client);
  return SRT_INVALID_SOCK;
}

// GStreamer's srtsink reconnects at once, forever, when it is cut: 40 refusals in 12 s.
TEST_CASE("an encoder refused again and again is turned away in the handshake, told why") {
  shopcast::testing::TempDir folder;
  FakeAdmission fake(folder.path());  // Refuses every key but sk_good and sk_other.
  RefusalBackoffOptions backoff_options;
  backoff_options.free_refusals = 1;
  backoff_options.base_wait = std::chrono::hours(1);  // Nothing in this test waits it out.
  backoff_options.max_wait = std::chrono::hours(1);
  RefusalBackoff backoff(backoff_options);
  prometheus::Registry registry;
  BackoffAdmission admission(fake, backoff, &registry);
  SrtOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  SrtListener listener(options, admission, &registry);
  REQUIRE(listener.Start().ok());
  SrtLibraryLease lease;
  REQUIRE(lease.Acquire().ok());

  // The first attempts get in and are cut once their key has been checked, which is all an
  // encoder learns past the handshake; the second refusal starts the backoff.
  for (int attempt = 1; attempt <= 2; ++attempt) {
    INFO("attempt " << attempt);
    int reject = 0;
    SRTSOCKET client = Dial(listener.port(), "sk_wrong", &reject);
    REQUIRE(client != SRT_INVALID_SOCK);
    CHECK(WaitFor([&] { return srt_getsockstate(client) != SRTS_CONNECTED; },
                  std::chrono::seconds(10)));
    srt_close(client);
  }
  CHECK(fake.admit_calls() == 2);

  // The next is rejected in the handshake with our code, without a connection or a key check.
  int reject = 0;
  SRTSOCKET turned_away = Dial(listener.port(), "sk_wrong", &reject);
  CHECK(turned_away == SRT_INVALID_SOCK);
  CHECK(reject == kRejectPublishBackoff);

  // Only that key from that address backs off: the right key gets in at once.
  SRTSOCKET good = Dial(listener.port(), "sk_good", &reject);
  REQUIRE(good != SRT_INVALID_SOCK);
  REQUIRE(WaitFor([&] { return !fake.sessions("sk_good").empty(); }, std::chrono::seconds(10)));
  CHECK(fake.admit_calls() == 3);  // sk_good's; the turned-away attempt never got that far.
  srt_close(good);

  double backoffs = 0;
  double rejected = 0;
  for (const auto& family : registry.Collect()) {
    for (const auto& metric : family.metric) {
      if (family.name == "ingest_admission_backoffs_total") backoffs += metric.counter.value;
      if (family.name == "srt_connections_rejected_total") rejected += metric.counter.value;
    }
  }
  CHECK(backoffs == 1);
  CHECK(rejected == 3);  // Two cut after the key check, one in the handshake.
  listener.Stop();
}

// libsrt's threads in this process whose names start with `prefix`: "SRT:" for all of them —
// the receive ("SRT:RcvQ:w1", one per port it serves, waking every 10 ms while it runs) and
// send queues, and the garbage collector ("SRT:GC", every second while the library is started).
int LibsrtThreads(std::string_view prefix = "SRT:") {
  int count = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name.starts_with(prefix)) ++count;
  }
  return count;
}

TEST_CASE("an unused SRT port rests with no libsrt threads and the next encoder still gets in") {
  SrtOptions options;
  options.rest_after = absl::Seconds(1);
  Fixture fixture(options);
  CHECK_FALSE(fixture.listener->awake());
  CHECK(LibsrtThreads() == 0);  // not even the library is started
  CHECK(fixture.MetricValue("srt_port_awake") == 0);

  for (int round = 1; round <= 2; ++round) {
    INFO("publish " << round);
    const std::string key = round == 1 ? "sk_good" : "sk_other";
    const std::string progress =
        fixture.folder.File("ffmpeg" + std::to_string(round) + ".progress");
    CommandResult publish =
        Run(PublishCommand(fixture.listener->port(), key, kPublishSeconds, progress));
    INFO(publish.output);
    REQUIRE(publish.exit_code == 0);
    // The datagram that woke the port was the encoder's handshake: nothing was lost.
    CheckRecording(*fixture.ClosedSession(key), SentBytes(progress));
    CHECK(fixture.MetricValue("srt_port_wakes_total") == round);
    // A second after the encoder left, the port rests and libsrt's threads for it are gone.
    CHECK(WaitFor([&] { return !fixture.listener->awake(); }, std::chrono::seconds(15)));
    CHECK(WaitFor([] { return LibsrtThreads() == 0; }, std::chrono::seconds(5)));
    // The gauge follows the port's state a moment later (set after the state flips): awaited.
    CHECK(WaitFor([&] { return fixture.MetricValue("srt_port_awake") == 0; },
                  std::chrono::seconds(5)));
  }
}

TEST_CASE("an SRT port told never to rest is served from the start") {
  SrtOptions options;
  options.rest_after = absl::InfiniteDuration();
  Fixture fixture(options);
  CHECK(fixture.listener->awake());
  CHECK(LibsrtThreads("SRT:RcvQ") == 1);
  CHECK(fixture.MetricValue("srt_port_awake") == 1);
}

TEST_CASE("two listeners in one process start and stop independently") {
  Fixture first;
  {
    Fixture second;
    CHECK(second.listener->port() != first.listener->port());
  }
  // libsrt is still up for the first listener after the second cleaned up.
  const std::string progress = first.folder.File("ffmpeg.progress");
  CommandResult publish =
      Run(PublishCommand(first.listener->port(), "sk_good", kPublishSeconds, progress));
  INFO(publish.output);
  CHECK(publish.exit_code == 0);
  CheckRecording(*first.ClosedSession("sk_good"), SentBytes(progress));
}

}  // namespace
}  // namespace shopcast::video_ingest::srt
