// The server over TLS (certificates made by tools/dev-pki) and the WebSocket handover, plain
// and TLS, to a stub acceptor that echoes one message.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "server_fixture.h"
#include "shopcast/auth/testing/dev_pki.h"
#include "shopcast/http_files/testing/raw_client.h"
#include "shopcast/testing/temp_dir.h"
#include "shopcast/testing/wait.h"

namespace shopcast::gateway::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using testing::Stubs;
using testing::TestOptions;
using testing::TestServer;

// Accepts the upgrade, reads one message and answers "<secure>:<request id>:<message>".
class EchoAcceptor final : public WebSocketAcceptor {
 public:
  void Accept(HttpRequest upgrade, const RequestContext& context, PlainSocket socket) override {
    Run(std::make_shared<websocket::stream<PlainSocket>>(std::move(socket)), std::move(upgrade),
        context);
  }
  void Accept(HttpRequest upgrade, const RequestContext& context, TlsSocket socket) override {
    Run(std::make_shared<websocket::stream<TlsSocket>>(std::move(socket)), std::move(upgrade),
        context);
  }

 private:
  template <class Ws>
  static void Run(std::shared_ptr<Ws> ws, HttpRequest upgrade, const RequestContext& context) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    const std::string prefix =
        std::string(context.secure ? "secure" : "plain") + ":" + context.request_id + ":";
    ws->async_accept(upgrade, [ws, buffer, prefix](beast::error_code ec) {
      if (ec) return;
      ws->async_read(*buffer, [ws, buffer, prefix](beast::error_code read_ec, size_t) {
        if (read_ec) return;
        auto reply =
            std::make_shared<std::string>(prefix + beast::buffers_to_string(buffer->data()));
        ws->text(true);
        ws->async_write(net::buffer(*reply), [ws, reply](beast::error_code, size_t) {
          ws->async_close(websocket::close_code::normal, [ws](beast::error_code) {});
        });
      });
    });
  }
};

struct Pki {
  shopcast::testing::TempDir dir;
  auth::testing::DevPki pki{dir.File("pki"), {"gateway"}};
  auth::ServiceTlsFiles files = pki.FilesOf("gateway");
};

std::unique_ptr<ssl::context> ClientTls(const std::string& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->load_verify_file(ca_file);
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

bhttp::response<bhttp::string_body> TlsGet(uint16_t port, ssl::context& ctx,
                                           const std::string& target) {
  net::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  stream.set_verify_callback(ssl::host_name_verification("localhost"));
  beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  stream.handshake(ssl::stream_base::client);
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, "localhost");
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  return res;
}

TEST_CASE("TLS: requests are served over TLS with HSTS and a secure context") {
  Pki pki;
  Stubs stubs;
  ServerOptions o = TestOptions();
  o.listen_address = "0.0.0.0:0";  // TLS may listen anywhere.
  o.tls_cert_file = pki.files.cert_file;
  o.tls_key_file = pki.files.key_file;
  TestServer server(o, stubs.AsRoutes());
  REQUIRE(server.server().tls());
  auto ctx = ClientTls(pki.files.ca_file);
  auto res = TlsGet(server.port(), *ctx, "/api/v1/x");
  CHECK(res.result_int() == 200);
  CHECK(absl::StrContains(res.body(), "area=api"));
  CHECK(absl::StrContains(res.body(), "secure=1"));
  CHECK(std::string(res["Strict-Transport-Security"]) == "max-age=31536000; includeSubDomains");

  // Plain HTTP on the TLS port gets no answer.
  http_files::testing::TestConnection plain(server.port());
  plain.Send(http_files::testing::GetRequest("/"));
  CHECK(plain.WaitClosed(std::chrono::seconds(5)));
}

TEST_CASE("TLS: a slow handshake is cut at the header timeout") {
  Pki pki;
  Stubs stubs;
  ServerOptions o = TestOptions();
  o.tls_cert_file = pki.files.cert_file;
  o.tls_key_file = pki.files.key_file;
  o.header_timeout = absl::Milliseconds(300);
  TestServer server(o, stubs.AsRoutes());
  http_files::testing::TestConnection silent(server.port());
  CHECK(silent.WaitClosed(std::chrono::seconds(5)));
  CHECK(shopcast::testing::WaitUntil(
      [&] {
        return server.Metric("gateway_http_rejected_total", "reason", "tls_handshake_timeout") >= 1;
      },
      absl::Seconds(5)));
}

template <class Ws>
std::string EchoThrough(Ws& ws, const std::string& host, const std::string& origin) {
  ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
    req.set("X-Request-Id", "ws-req-1");
    if (!origin.empty()) req.set(bhttp::field::origin, origin);
  }));
  ws.handshake(host, "/ws/v1");
  ws.write(net::buffer(std::string("hello")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  return beast::buffers_to_string(buffer.data());
}

TEST_CASE("WebSocket upgrades on /ws are handed to the acceptor, plain and TLS") {
  Stubs stubs;
  auto acceptor = std::make_shared<EchoAcceptor>();
  ServerOptions o = TestOptions();
  o.cors_origins = {"https://app.test"};
  TestServer server(o, stubs.AsRoutes(acceptor));
  {
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    CHECK(EchoThrough(ws, "gw.test", "http://gw.test") == "plain:ws-req-1:hello");
  }
  {
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    CHECK(EchoThrough(ws, "gw.test", "https://app.test") == "plain:ws-req-1:hello");
  }
  // A page of another origin may not open a socket here.
  {
    net::io_context ioc;
    websocket::stream<tcp::socket> ws(ioc);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    CHECK_THROWS(EchoThrough(ws, "gw.test", "https://evil.test"));
  }
  // The handed-over socket is the hub's: the server counts it no more.
  CHECK(shopcast::testing::WaitUntil([&] { return server.server().connections() == 0; },
                                     absl::Seconds(5)));
  CHECK(server.Metric("gateway_http_websocket_handovers_total") == 2);
  // /ws without an upgrade: 426.
  auto plain =
      http_files::testing::Exchange(server.port(), http_files::testing::GetRequest("/ws/v1"));
  CHECK(plain.status == 426);
  CHECK(plain.Header("upgrade") == "websocket");

  Pki pki;
  ServerOptions t = TestOptions();
  t.tls_cert_file = pki.files.cert_file;
  t.tls_key_file = pki.files.key_file;
  TestServer tls_server(t, stubs.AsRoutes(acceptor));
  auto ctx = ClientTls(pki.files.ca_file);
  net::io_context ioc;
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, *ctx);
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost");
  ws.next_layer().set_verify_callback(ssl::host_name_verification("localhost"));
  beast::get_lowest_layer(ws).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), tls_server.port()));
  ws.next_layer().handshake(ssl::stream_base::client);
  CHECK(EchoThrough(ws, "localhost", "https://localhost") == "secure:ws-req-1:hello");
}

}  // namespace
}  // namespace shopcast::gateway::http
