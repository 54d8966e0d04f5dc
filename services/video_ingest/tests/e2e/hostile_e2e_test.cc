// Hostile clients on the RTMP port while a real encoder publishes: each is refused or cut, and
// the live stream keeps producing segments throughout.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "ingest_fixture.h"
#include "shopcast/testing/wait.h"

namespace shopcast::video_ingest::e2e {
namespace {

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

void Send(int fd, const std::vector<uint8_t>& bytes) {
  // The server may already have cut us: a failed send is part of being refused.
  (void)send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

// True when the server closed the connection within `timeout` (reads and discards what it
// sent before closing).
bool ClosedWithin(int fd, absl::Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  char buf[8192];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, 100);
    if (n <= 0) continue;
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r <= 0) return true;
  }
  return false;
}

// True if the server has closed the connection by now (reads and discards what it sent).
bool ClosedNow(int fd) {
  char buf[8192];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    if (recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) return true;
  }
}

// C0 C1, then S0 S1 S2 read, then C2: a connection past the handshake.
int Handshaken(int port) {
  int fd = Connect(port);
  std::vector<uint8_t> c0c1(1 + 1536, 0);
  c0c1[0] = 3;
  Send(fd, c0c1);
  std::vector<uint8_t> s(1 + 2 * 1536);
  size_t got = 0;
  while (got < s.size()) {
    ssize_t r = recv(fd, s.data() + got, s.size() - got, 0);
    REQUIRE(r > 0);
    got += static_cast<size_t>(r);
  }
  Send(fd, std::vector<uint8_t>(s.begin() + 1, s.begin() + 1 + 1536));  // C2 echoes S1.
  return fd;
}

// A type-0 chunk header on chunk stream `csid` declaring a message of `length` bytes.
std::vector<uint8_t> ChunkHeader(uint8_t csid, uint32_t length, uint8_t type) {
  return {csid,
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
}

int64_t SegmentCount(const IngestServer& server, const std::string& id) {
  MediaPlaylist p = server.ReadPlaylist(id);
  return p.media_sequence + static_cast<int64_t>(p.entries.size());
}

// The stream gains at least one more segment within a few target durations.
void StillProducing(const IngestServer& server, const std::string& id) {
  int64_t before = SegmentCount(server, id);
  CHECK(server.WaitForSegments(id, before + 1, absl::Seconds(10)));
}

}  // namespace

TEST_CASE("garbage, stalls and floods on the RTMP port leave a live stream producing") {
  // The test holds the idle connections; the server (a child) inherits the raised limit.
  rlimit lim{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &lim) == 0);
  lim.rlim_cur = lim.rlim_max;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &lim) == 0);
  REQUIRE(lim.rlim_cur >= 2500);

  ServerOptions options;
  options.extra_env = {"SHOPCAST_VIDEO_INGEST_RTMP_HANDSHAKE_TIMEOUT=2s",
                       "SHOPCAST_VIDEO_INGEST_RTMP_MAX_CONNECTIONS=600"};
  IngestServer server(options);
  CreatedStream s = server.CreateStream();
  Publisher ffmpeg(Publisher::Kind::kFfmpegRtmp, s.rtmp_url, 90, server.LogPath("ffmpeg"));
  INFO(server.log());
  REQUIRE(server.WaitForSegments(s.id, 2, absl::Seconds(30)));
  const int port = server.rtmp_port();

  SECTION("random bytes") {
    std::mt19937 rng(42);
    std::vector<uint8_t> junk(64 * 1024);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    junk[0] = 0x42;  // Not RTMP version 3.
    int fd = Connect(port);
    Send(fd, junk);
    CHECK(ClosedWithin(fd, absl::Seconds(5)));
    close(fd);
  }
  SECTION("a truncated handshake") {
    int fd = Connect(port);
    std::vector<uint8_t> partial(1 + 700, 0);
    partial[0] = 3;
    Send(fd, partial);
    CHECK(ClosedWithin(fd, absl::Seconds(6)));  // The 2 s handshake timeout.
    close(fd);
  }
  SECTION("an oversized chunk size") {
    int fd = Handshaken(port);
    std::vector<uint8_t> m = ChunkHeader(2, 4, 1);
    for (uint8_t b : {0x7F, 0xFF, 0xFF, 0xFF}) m.push_back(b);
    Send(fd, m);
    CHECK(ClosedWithin(fd, absl::Seconds(5)));
    close(fd);
  }
  SECTION("a huge message length") {
    int fd = Handshaken(port);
    Send(fd, ChunkHeader(3, 0xFFFFFF, 20));
    Send(fd, std::vector<uint8_t>(128, 0x05));
    CHECK(ClosedWithin(fd, absl::Seconds(5)));
    close(fd);
  }
  SECTION("a slow-loris client") {
    int fd = Connect(port);
    const auto start = std::chrono::steady_clock::now();
    bool closed = false;
    for (int i = 0; i < 10 && !closed; ++i) {
      Send(fd, {static_cast<uint8_t>(i == 0 ? 3 : 0)});
      closed = ClosedWithin(fd, absl::Seconds(1));
    }
    CHECK(closed);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(8));
    close(fd);
  }
  SECTION("a thousand idle connections") {
    std::vector<int> fds;
    for (int i = 0; i < 1000; ++i) fds.push_back(Connect(port));
    StillProducing(server, s.id);
    // Over the limit: cut at once (by now: a segment has passed). The others: cut at the
    // handshake timeout.
    std::vector<bool> closed(fds.size(), false);
    auto count_closed = [&] {
      for (size_t i = 0; i < fds.size(); ++i) {
        if (!closed[i]) closed[i] = ClosedNow(fds[i]);
      }
      return std::count(closed.begin(), closed.end(), true);
    };
    CHECK(count_closed() >= 400);
    CHECK(testing::WaitUntil([&] { return count_closed() == 1000; }, absl::Seconds(30)));
    for (int fd : fds) close(fd);
  }
  StillProducing(server, s.id);
  CHECK(server.GetStream(s.id).status() == common::v1::STREAM_STATUS_LIVE);
  CHECK(ffmpeg.running());
}

}  // namespace shopcast::video_ingest::e2e
