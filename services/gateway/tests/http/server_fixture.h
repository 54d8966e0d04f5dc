#pragma once

// The HTTP server under test with stub areas: each answers (by default at once) with what it
// was handed, so a test sees the routing, the request context and the body the server read.

#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "http/exchange.h"
#include "http/server.h"
#include "prometheus/registry.h"

namespace shopcast::gateway::http::testing {

// body: "area=<name> id=<request id> client=<address> secure=<0|1> method=<m> target=<t>
// body_bytes=<n>".
inline HttpResponse Echo(const std::string& area, const HttpRequest& request,
                         const RequestContext& context) {
  HttpResponse r{boost::beast::http::status::ok, request.version()};
  r.set(boost::beast::http::field::content_type, "text/plain");
  r.body() = absl::StrCat(
      "area=", area, " id=", context.request_id, " client=", context.client_address,
      " secure=", context.secure ? 1 : 0, " method=", std::string(request.method_string()),
      " target=", std::string(request.target()), " body_bytes=", request.body().size());
  return r;
}

class StubArea final : public RouteHandler {
 public:
  using Fn = std::function<void(HttpRequest, const RequestContext&, Responder)>;
  explicit StubArea(std::string name) : name_(std::move(name)) {}

  // Replaces the default (echo at once).
  void Set(Fn fn) {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = std::move(fn);
  }

  void Handle(HttpRequest request, const RequestContext& context, Responder respond) override {
    Fn fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn = fn_;
    }
    if (fn) {
      fn(std::move(request), context, std::move(respond));
      return;
    }
    std::move(respond)(Echo(name_, request, context));
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::mutex mu_;
  Fn fn_;
};

struct Stubs {
  std::shared_ptr<StubArea> api = std::make_shared<StubArea>("api");
  std::shared_ptr<StubArea> hls = std::make_shared<StubArea>("hls");
  std::shared_ptr<StubArea> web = std::make_shared<StubArea>("web");

  Routes AsRoutes(std::shared_ptr<WebSocketAcceptor> ws = nullptr) const {
    Routes r;
    r.api = api;
    r.hls = hls;
    r.web = web;
    r.ws = std::move(ws);
    return r;
  }
};

// Loopback, ephemeral port, short timeouts so the timeout tests finish quickly.
inline ServerOptions TestOptions() {
  ServerOptions o;
  o.listen_address = "127.0.0.1:0";
  o.io_threads = 2;
  return o;
}

class TestServer {
 public:
  TestServer(ServerOptions options, Routes routes)
      : registry_(std::make_shared<prometheus::Registry>()) {
    auto server = Server::Create(std::move(options), std::move(routes), registry_.get());
    if (!server.ok()) throw std::runtime_error(std::string(server.status().message()));
    server_ = *std::move(server);
    if (!server_->Start().ok()) throw std::runtime_error("start");
  }

  uint16_t port() const { return server_->port(); }
  Server& server() { return *server_; }
  prometheus::Registry& registry() { return *registry_; }

  // The value of counter/gauge `name` with `label`=`value` ("" = the unlabelled series), or
  // -1 if absent.
  double Metric(const std::string& name, const std::string& label = "",
                const std::string& value = "") const {
    for (const auto& family : registry_->Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        bool match = label.empty();
        for (const auto& l : m.label) match = match || (l.name == label && l.value == value);
        if (!match) continue;
        if (family.type == prometheus::MetricType::Counter) return m.counter.value;
        if (family.type == prometheus::MetricType::Gauge) return m.gauge.value;
      }
    }
    return -1;
  }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Server> server_;
};

}  // namespace shopcast::gateway::http::testing
