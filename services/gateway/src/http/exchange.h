#pragma once

// The contract between the gateway's HTTP server (src/http/) and the areas that answer requests:
// the JSON API (src/api/), the HLS proxy (src/hls/), the web app's files (src/web/) and the
// WebSocket hub (src/ws/). No sockets cross it for ordinary requests: the server reads a whole,
// bounded request, hands it over with what it knows about the client, and writes whatever the
// area answers — whenever it answers (an API call or a blocking playlist request finishes on a
// gRPC or upstream thread, not on the I/O thread that read the request).
//
// Routing by path, done by the server:
//   /api/…, /openapi.json      → api      (RouteHandler)
//   /live/…, /vod/…            → hls      (RouteHandler)
//   /images, /images/…         → images   (RouteHandler; product renditions, src/images/)
//   /ws/… with Upgrade         → ws       (WebSocketAcceptor)
//   everything else (GET/HEAD) → web      (RouteHandler; the app's files, index.html fallback)
// The server adds to every response: X-Request-Id, the security headers (strict CSP, nosniff,
// Referrer-Policy, frame-ancestors none, HSTS over TLS) unless the area set its own, CORS for
// allow-listed origins, and Connection handling. Areas set status, body, Content-Type, caching.

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace shopcast::gateway {

// Bodies are read whole, up to the server's limit (413 beyond it), so requests and responses
// are plain strings.
using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// What the server knows about a request beyond its bytes.
struct RequestContext {
  // The client's X-Request-Id if it is 1..64 of [A-Za-z0-9._-], else a new random one. Passed
  // downstream (gRPC metadata `x-request-id`) and logged; the server echoes it in the response.
  std::string request_id;
  // The client's IP address (no port): the TCP peer, or — only when the peer is a configured
  // trusted proxy (the k8s Ingress) — the last untrusted hop of X-Forwarded-For.
  std::string client_address;
  // The request arrived over TLS (directly, or via a trusted proxy that says so). Secure cookies
  // and HSTS depend on it.
  bool secure = false;
  // When the request head was read; deadlines of downstream calls count from here.
  absl::Time received;
};

// Answers the request. Called exactly once, from any thread; the server writes the response on
// the connection's own strand. A handler that never calls it leaks the connection until the
// server's response timeout closes it.
using Responder = absl::AnyInvocable<void(HttpResponse) &&>;

class RouteHandler {
 public:
  virtual ~RouteHandler() = default;
  // Thread-safe; must not block the calling (I/O) thread on network calls: start them and
  // answer from their completion.
  virtual void Handle(HttpRequest request, const RequestContext& context, Responder respond) = 0;
};

// A WebSocket upgrade request for /ws/… The server hands over the connection with the upgrade
// request (not yet answered: the acceptor runs the handshake, e.g. websocket::stream::async_accept,
// choosing the subprotocol). From then on the connection is the acceptor's.
using PlainSocket = boost::beast::tcp_stream;
using TlsSocket = boost::beast::ssl_stream<boost::beast::tcp_stream>;

class WebSocketAcceptor {
 public:
  virtual ~WebSocketAcceptor() = default;
  virtual void Accept(HttpRequest upgrade, const RequestContext& context, PlainSocket socket) = 0;
  virtual void Accept(HttpRequest upgrade, const RequestContext& context, TlsSocket socket) = 0;
};

// What the server routes to. Any may be null: its paths then answer 404 (ws: 404 too).
struct Routes {
  std::shared_ptr<RouteHandler> api;
  std::shared_ptr<RouteHandler> hls;
  std::shared_ptr<RouteHandler> web;
  std::shared_ptr<WebSocketAcceptor> ws;
  std::shared_ptr<RouteHandler> images;
};

}  // namespace shopcast::gateway
