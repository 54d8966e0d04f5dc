// The plain-socket transport (ws/lean_transport) at the wire, driven by a raw TCP client that
// writes exactly the bytes a test wants: the opening handshake RFC 6455 asks for, pings both
// ways, the close handshake, frames in pieces, and the protocol errors a hostile client can
// make, each answered with its close code and the connection ended. No room is followed, so
// the hub's realtime-push channel points nowhere.

#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/write.hpp"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "prometheus/registry.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/testing/wait.h"
#include "ws_support.h"

namespace shopcast::gateway::ws::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr char kKey[] = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 §1.3's example
constexpr char kAccept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

std::string Upgrade(const std::string& extra_headers = "",
                    const std::string& key_and_version =
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n") {
  return absl::StrCat("GET /ws/v1 HTTP/1.1\r\nHost: gateway.test\r\nUpgrade: websocket\r\n",
                      "Connection: Upgrade\r\n", key_and_version, extra_headers, "\r\n");
}

// A client frame: masked unless told otherwise.
std::string ClientFrame(uint8_t opcode, const std::string& payload, bool fin = true,
                        bool masked = true, uint8_t rsv = 0) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80 : 0) | (rsv << 4) | opcode));
  const uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(mask_bit | payload.size()));
  } else {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  }
  const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked) f.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    f.push_back(static_cast<char>(payload[i] ^ (masked ? mask[i % 4] : 0)));
  }
  return f;
}

std::string JsonOf(const v1::ClientFrame& frame) {
  std::string json;
  REQUIRE(google::protobuf::util::MessageToJsonString(frame, &json).ok());
  return json;
}

struct ServerFrame {
  uint8_t opcode;
  std::string payload;
  uint16_t close_code() const {
    return payload.size() >= 2 ? static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                                       static_cast<uint8_t>(payload[1]))
                               : 0;
  }
};

// A blocking TCP client with deadlines (its own io_context, run only inside its calls).
class RawClient {
 public:
  explicit RawClient(int port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
  }

  void Write(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }
  // One byte per write: a frame trickling in.
  void Trickle(const std::string& bytes) {
    for (char c : bytes) Write(std::string(1, c));
  }

  // Reads until `done()` holds, the server ends the connection, or the timeout passes.
  bool ReadUntil(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!done()) {
      if (eof_ || absl::Now() >= deadline) return false;
      bool completed = false;
      socket_.async_read_some(net::buffer(chunk_), [&](boost::system::error_code ec, size_t n) {
        completed = true;
        if (ec) {
          eof_ = true;
          return;
        }
        in_.append(chunk_, n);
      });
      ioc_.restart();
      ioc_.run_for(std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline - absl::Now())));
      if (!completed) {
        socket_.cancel();
        ioc_.restart();
        ioc_.run();
      }
    }
    return true;
  }

  // The HTTP answer (once complete).
  std::optional<std::string> Head() const {
    const size_t end = in_.find("\r\n\r\n");
    if (end == std::string::npos) return std::nullopt;
    return in_.substr(0, end + 4);
  }
  bool ReadHead() {
    return ReadUntil([&] { return Head().has_value(); });
  }

  // Server frames after the HTTP head (complete ones only).
  std::vector<ServerFrame> Frames() const {
    std::vector<ServerFrame> out;
    const std::optional<std::string> head = Head();
    if (!head) return out;
    size_t p = head->size();
    for (;;) {
      if (in_.size() < p + 2) return out;
      const uint8_t b0 = static_cast<uint8_t>(in_[p]);
      uint64_t len = static_cast<uint8_t>(in_[p + 1]) & 0x7f;
      size_t h = 2;
      if (len == 126) {
        if (in_.size() < p + 4) return out;
        len = (static_cast<uint8_t>(in_[p + 2]) << 8) | static_cast<uint8_t>(in_[p + 3]);
        h = 4;
      } else if (len == 127) {
        if (in_.size() < p + 10) return out;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(in_[p + 2 + i]);
        h = 10;
      }
      if (in_.size() < p + h + len) return out;
      out.push_back(ServerFrame{static_cast<uint8_t>(b0 & 0x0f), in_.substr(p + h, len)});
      p += h + len;
    }
  }
  // Waits for a frame with `opcode` (from index `from`); its index, or -1.
  int WaitFrame(uint8_t opcode, size_t from = 0, absl::Duration timeout = absl::Seconds(20)) {
    int found = -1;
    ReadUntil(
        [&] {
          const auto frames = Frames();
          for (size_t i = from; i < frames.size(); ++i) {
            if (frames[i].opcode == opcode) {
              found = static_cast<int>(i);
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }
  // Waits for the server to end the connection.
  bool WaitEof(absl::Duration timeout = absl::Seconds(20)) {
    ReadUntil([] { return false; }, timeout);
    return eof_;
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  char chunk_[4096];
  std::string in_;
  bool eof_ = false;
};

struct Gateway {
  explicit Gateway(WsOptions options = {})
      : key(*auth::GenerateSigningKey("leantest")), access(key), limits(1000) {
    hub = MakeWebSocketHub(options,
                           grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()),
                           &access, &limits, &registry);
    listener = std::make_unique<TestListener>(hub);
  }
  ~Gateway() {
    hub->Drain();
    hub->WaitDrained(absl::Seconds(10));
    listener.reset();
    hub.reset();
  }
  int port() const { return listener->port(); }

  auth::SigningKey key;
  TestAccess access;
  TestLimits limits;
  prometheus::Registry registry;
  std::shared_ptr<WebSocketHub> hub;
  std::unique_ptr<TestListener> listener;
};

constexpr uint8_t kText = 0x1, kClose = 0x8, kPing = 0x9, kPong = 0xA;

// An open connection: handshake done, the welcome frame read.
void Open(RawClient& c) {
  c.Write(Upgrade());
  REQUIRE(c.ReadHead());
  REQUIRE(c.WaitFrame(kText) == 0);
}

TEST_CASE("the opening handshake answers RFC 6455's accept key, then the welcome frame",
          "[integration]") {
  Gateway g;
  RawClient c(g.port());
  c.Write(Upgrade("Sec-WebSocket-Protocol: shopcast.v1.json\r\n"));
  REQUIRE(c.ReadHead());
  const std::string head = *c.Head();
  CHECK(absl::StartsWith(head, "HTTP/1.1 101 "));
  CHECK(absl::StrContains(head, absl::StrCat("Sec-WebSocket-Accept: ", kAccept, "\r\n")));
  CHECK(absl::StrContains(head, "Sec-WebSocket-Protocol: shopcast.v1.json\r\n"));
  REQUIRE(c.WaitFrame(kText) == 0);
  CHECK(absl::StrContains(c.Frames()[0].payload, "welcome"));
  CHECK(g.hub->SocketCount() == 1);
}

TEST_CASE("a handshake RFC 6455 refuses gets 426 or 400 and the connection ends", "[integration]") {
  Gateway g;
  SECTION("another protocol version") {
    RawClient c(g.port());
    c.Write(
        Upgrade("", absl::StrCat("Sec-WebSocket-Key: ", kKey, "\r\nSec-WebSocket-Version: 8\r\n")));
    REQUIRE(c.ReadHead());
    CHECK(absl::StartsWith(*c.Head(), "HTTP/1.1 426 "));
    CHECK(absl::StrContains(*c.Head(), "Sec-WebSocket-Version: 13\r\n"));
    CHECK(c.WaitEof());
  }
  SECTION("a key that is not 16 bytes of base64") {
    RawClient c(g.port());
    c.Write(Upgrade("", "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n"));
    REQUIRE(c.ReadHead());
    CHECK(absl::StartsWith(*c.Head(), "HTTP/1.1 400 "));
    CHECK(c.WaitEof());
  }
  CHECK(shopcast::testing::WaitUntil([&] { return g.hub->SocketCount() == 0; }, absl::Seconds(10)));
}

TEST_CASE(
    "pings are answered with their payload, and a frame trickling in byte by byte, or in "
    "fragments with a ping between them, is one message",
    "[integration]") {
  Gateway g;
  RawClient c(g.port());
  Open(c);
  c.Write(ClientFrame(kPing, "are you there"));
  const int pong = c.WaitFrame(kPong);
  REQUIRE(pong >= 0);
  CHECK(c.Frames()[pong].payload == "are you there");

  // An Authenticate with a bad token: answered by an error frame naming its frame id.
  const std::string auth = JsonOf(AuthenticateFrame("trickled", "not-a-token"));
  c.Trickle(ClientFrame(kText, auth));
  REQUIRE(c.ReadUntil([&] {
    for (const auto& f : c.Frames()) {
      if (f.opcode == kText && absl::StrContains(f.payload, "trickled")) return true;
    }
    return false;
  }));

  const std::string auth2 = JsonOf(AuthenticateFrame("fragmented", "not-a-token"));
  const size_t third = auth2.size() / 3;
  c.Write(ClientFrame(kText, auth2.substr(0, third), /*fin=*/false) +
          ClientFrame(kPing, "between") +
          ClientFrame(0x0, auth2.substr(third, third), /*fin=*/false) +
          ClientFrame(0x0, auth2.substr(2 * third), /*fin=*/true));
  REQUIRE(c.ReadUntil([&] {
    for (const auto& f : c.Frames()) {
      if (f.opcode == kText && absl::StrContains(f.payload, "fragmented")) return true;
    }
    return false;
  }));
  CHECK(c.Frames().size() >= 4);  // welcome, pong, two answers, the second pong
}

TEST_CASE("a client's close is echoed with its code and the server ends TCP", "[integration]") {
  Gateway g;
  RawClient c(g.port());
  Open(c);
  c.Write(ClientFrame(kClose, std::string("\x0f\xa0", 2) + "bye"));  // 4000
  const int close = c.WaitFrame(kClose);
  REQUIRE(close >= 0);
  CHECK(c.Frames()[close].close_code() == 4000);
  CHECK(c.WaitEof());
  CHECK(shopcast::testing::WaitUntil([&] { return g.hub->SocketCount() == 0; }, absl::Seconds(10)));
}

TEST_CASE("protocol violations are answered with their close code and the connection ends",
          "[integration]") {
  WsOptions options;
  options.max_client_frame_bytes = 1024;
  Gateway g(options);
  struct Case {
    const char* what;
    std::string bytes;
    uint16_t code;
  };
  std::string huge_header;  // announces 1 MiB and sends none of it
  huge_header.push_back(static_cast<char>(0x81));
  huge_header.push_back(static_cast<char>(0x80 | 127));
  for (uint64_t len = 1 << 20, i = 0; i < 8; ++i) {
    huge_header.push_back(static_cast<char>((len >> (56 - 8 * i)) & 0xff));
  }
  huge_header.append("\x01\x02\x03\x04", 4);
  const std::vector<Case> cases = {
      {"an unmasked frame", ClientFrame(kText, "{}", true, /*masked=*/false), 1002},
      {"a reserved opcode", ClientFrame(0x3, "x"), 1002},
      {"an RSV bit with no extension agreed", ClientFrame(kText, "{}", true, true, /*rsv=*/4),
       1002},
      {"a continuation with no message open", ClientFrame(0x0, "x"), 1002},
      {"a fragmented ping", ClientFrame(kPing, "x", /*fin=*/false), 1002},
      {"text that is not UTF-8", ClientFrame(kText, "\xc3\x28"), 1007},
      {"a message over the limit, announced", huge_header, 1009},
      {"a message over the limit, in fragments",
       ClientFrame(kText, std::string(600, 'a'), false) + ClientFrame(0x0, std::string(600, 'a')),
       1009},
  };
  for (const Case& k : cases) {
    INFO(k.what);
    RawClient c(g.port());
    Open(c);
    c.Write(k.bytes);
    const int close = c.WaitFrame(kClose);
    REQUIRE(close >= 0);
    CHECK(c.Frames()[close].close_code() == k.code);
    CHECK(c.WaitEof());
  }
  CHECK(shopcast::testing::WaitUntil([&] { return g.hub->SocketCount() == 0; }, absl::Seconds(10)));
}

TEST_CASE("a quiet client is pinged, and one that never answers is dropped", "[integration]") {
  WsOptions options;
  options.ping_interval = absl::Milliseconds(300);
  Gateway g(options);
  RawClient answers(g.port());
  RawClient silent(g.port());
  Open(answers);
  Open(silent);
  // Answering keeps a connection alive across several intervals.
  size_t from = 1;
  for (int i = 0; i < 3; ++i) {
    const int ping = answers.WaitFrame(kPing, from);
    REQUIRE(ping >= 0);
    answers.Write(ClientFrame(kPong, ""));
    from = static_cast<size_t>(ping) + 1;
  }
  // The silent one was pinged and then cut (no close handshake with a dead peer).
  CHECK(silent.WaitFrame(kPing, 1) >= 0);
  CHECK(silent.WaitEof());
  CHECK(g.hub->SocketCount() >= 1);
}

TEST_CASE("draining sends going_away and closes with 1001", "[integration]") {
  WsOptions options;
  options.drain_close_after = absl::Milliseconds(100);
  Gateway g(options);
  RawClient c(g.port());
  Open(c);
  g.hub->Drain();
  const int close = c.WaitFrame(kClose);
  REQUIRE(close >= 0);
  CHECK(c.Frames()[close].close_code() == 1001);
  bool going_away = false;
  for (const auto& f : c.Frames()) going_away |= absl::StrContains(f.payload, "goingAway");
  CHECK(going_away);
  c.Write(ClientFrame(kClose, std::string("\x03\xe9", 2)));
  CHECK(c.WaitEof());
}

}  // namespace
}  // namespace shopcast::gateway::ws::testing
