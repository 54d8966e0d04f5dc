#pragma once

// Driving the API's RouteHandler the way the HTTP server does: a request object and a context
// in, the one response out (awaited with a deadline, since it may come from another thread).

#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "http/exchange.h"
#include "nlohmann/json.hpp"

namespace shopcast::gateway::testing {

namespace http = boost::beast::http;

inline HttpRequest Request(http::verb verb, const std::string& target, std::string body = "",
                           const std::string& content_type = "application/json") {
  HttpRequest req(verb, target, 11);
  req.set(http::field::host, "shop.test");
  if (!body.empty() && !content_type.empty()) req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

inline HttpRequest Post(const std::string& target, std::string body = "") {
  return Request(http::verb::post, target, std::move(body));
}

struct Answer {
  HttpResponse res;
  unsigned status() const { return res.result_int(); }
  nlohmann::json json() const { return nlohmann::json::parse(res.body()); }
  std::string reason() const {
    auto j = json();
    return j.contains("errorInfo") ? j["errorInfo"].value("reason", "") : "";
  }
  std::string header(http::field f) const {
    auto it = res.find(f);
    return it == res.end() ? "" : std::string(it->value());
  }
  std::vector<std::string> cookies() const {
    std::vector<std::string> out;
    for (auto it = res.find(http::field::set_cookie);
         it != res.end() && it->name() == http::field::set_cookie; ++it) {
      out.emplace_back(it->value());
    }
    return out;
  }
};

// Sends `req` from `address` and waits (up to 30 s) for the answer.
inline Answer Send(RouteHandler& handler, HttpRequest req,
                   const std::string& address = "198.51.100.10", bool secure = true,
                   const std::string& request_id = "req-test-1") {
  RequestContext ctx;
  ctx.request_id = request_id;
  ctx.client_address = address;
  ctx.secure = secure;
  ctx.received = absl::Now();
  auto promise = std::make_shared<std::promise<HttpResponse>>();
  auto future = promise->get_future();
  handler.Handle(std::move(req), ctx,
                 [promise](HttpResponse res) mutable { promise->set_value(std::move(res)); });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    throw std::runtime_error("no answer within 30 s");
  }
  return Answer{future.get()};
}

}  // namespace shopcast::gateway::testing
