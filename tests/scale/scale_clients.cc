#include "scale_clients.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/websocket.hpp"
#include "google/protobuf/util/json_util.h"
#include "shopcast/gateway/v1/gateway.pb.h"
#include "shopcast/http_files/testing/raw_client.h"

namespace shopcast::scale {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace gw = ::shopcast::gateway::v1;

constexpr absl::Duration kRetryPause = absl::Milliseconds(50);

nlohmann::json OrderBody(const std::string& reservation_id, const std::string& key) {
  return {{"reservationId", reservation_id},
          {"idempotencyKey", key},
          {"shippingAddress",
           {{"recipientName", "Ada Lovelace"},
            {"line1", "12 Analytical Row"},
            {"city", "London"},
            {"postalCode", "N1 9GU"},
            {"countryCode", "GB"},
            {"phone", "+442071234567"}}},
          {"paymentMethod", {{"placeholder", {{"token", "pm_test_approve"}}}}}};
}

}  // namespace

ApiAnswer PostJson(int port, const std::string& path, const std::string& token,
                   const nlohmann::json& body) {
  ApiAnswer a;
  const std::string payload = body.dump();
  const std::string request =
      absl::StrCat("POST ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ", token,
                   "\r\nContent-Type: application/json\r\nContent-Length: ", payload.size(),
                   "\r\nConnection: close\r\n\r\n", payload);
  std::optional<http_files::testing::RawResponse> response;
  try {
    http_files::testing::TestConnection c(static_cast<uint16_t>(port));
    if (!c.Send(request)) return a;
    response = c.Read(false, std::chrono::seconds(20));
  } catch (const std::exception&) {
    return a;  // refused: that gateway is gone
  }
  if (!response.has_value()) return a;
  a.http = response->status;
  a.body = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (a.body.is_object() && a.body.contains("errorInfo") && a.body["errorInfo"].is_object()) {
    a.reason = a.body["errorInfo"].value("reason", "");
  }
  return a;
}

bool Retryable(const ApiAnswer& a) {
  return a.http == 0 || a.http == 502 || a.http == 503 || a.http == 504;
}

// ---- buyers ----

Buyers::Buyers(BuyerOptions options) : options_(std::move(options)) {}

Buyers::~Buyers() { Stop(); }

void Buyers::Start() {
  for (int b = 0; b < static_cast<int>(options_.tokens.size()); ++b) {
    threads_.emplace_back([this, b] { Run(b); });
  }
}

void Buyers::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

std::vector<Checkout> Buyers::acknowledged() const {
  std::lock_guard lock(mu_);
  return acknowledged_;
}

std::map<int, int> Buyers::retried() const {
  std::lock_guard lock(mu_);
  return retried_;
}

std::vector<std::string> Buyers::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

std::map<std::string, int> Buyers::refusals() const {
  std::lock_guard lock(mu_);
  return refusals_;
}

ApiAnswer Buyers::Call(int buyer, int& rotor, const std::string& path, const nlohmann::json& body) {
  const absl::Time give_up = absl::Now() + options_.patience;
  const auto& ports = options_.gateway_ports;
  for (;;) {
    // Each call to the next gateway, and a repeat too: as a load balancer spreads them.
    const int port = ports[static_cast<size_t>(rotor++) % ports.size()];
    ApiAnswer a = PostJson(port, path, options_.tokens[static_cast<size_t>(buyer)], body);
    if (!Retryable(a)) return a;
    const bool exhausted = absl::Now() > give_up;
    {
      std::lock_guard lock(mu_);
      ++retried_[a.http];
      if (exhausted) {
        errors_.push_back(absl::StrCat("buyer ", buyer, " ", path, ": no answer in ",
                                       absl::FormatDuration(options_.patience), " (last ", a.http,
                                       " ", a.reason, ")"));
      }
    }
    if (exhausted) return a;
    absl::SleepFor(kRetryPause);
  }
}

void Buyers::Run(int buyer) {
  int rotor = buyer;
  bool scarce_left = true;
  for (int seq = 1; !stop_; ++seq) {
    Checkout c;
    c.buyer = buyer;
    const bool scarce = scarce_left && seq % 3 == 0;
    c.product_id = scarce ? options_.scarce_product : options_.plenty_product;
    c.quantity = 1 + seq % 2;
    const nlohmann::json reserve = {{"productId", c.product_id},
                                    {"quantity", c.quantity},
                                    {"idempotencyKey", absl::StrCat("r-", buyer, "-", seq)}};
    const ApiAnswer r = Call(buyer, rotor, "/api/v1/product-inventory/Reserve", reserve);
    if (r.http == 429 && (r.reason == "SOLD_OUT" || r.reason == "INSUFFICIENT_STOCK")) {
      std::lock_guard lock(mu_);
      ++refusals_[r.reason];
      if (scarce && r.reason == "SOLD_OUT") scarce_left = false;
      continue;
    }
    if (r.http != 200) {
      if (!Retryable(r)) {
        std::lock_guard lock(mu_);
        errors_.push_back(absl::StrCat("buyer ", buyer, " Reserve: ", r.http, " ", r.body.dump()));
      }
      continue;
    }
    c.reservation_id = r.body["reservation"].value("id", "");
    c.order_key = absl::StrCat("o-", buyer, "-", seq);
    const ApiAnswer o =
        Call(buyer, rotor, "/api/v1/order/PlaceOrder", OrderBody(c.reservation_id, c.order_key));
    if (o.http != 200) {
      if (!Retryable(o)) {
        std::lock_guard lock(mu_);
        errors_.push_back(
            absl::StrCat("buyer ", buyer, " PlaceOrder: ", o.http, " ", o.body.dump()));
      }
      continue;
    }
    c.order_id = o.body["order"].value("id", "");
    c.status = o.body["order"].value("status", "");
    c.acknowledged = absl::Now();
    std::lock_guard lock(mu_);
    acknowledged_.push_back(std::move(c));
    ++acknowledged_count_;
  }
}

// ---- viewers ----

struct Viewers::State {
  mutable std::mutex mu;
  int64_t last = -1;
  std::vector<std::string> problems;
  int reconnects = 0;
  std::vector<int> ports;
};

Viewers::Viewers(std::vector<int> gateway_ports, std::string stream_id, int viewers)
    : ports_(std::move(gateway_ports)), stream_id_(std::move(stream_id)) {
  for (int v = 0; v < viewers; ++v) states_.push_back(std::make_unique<State>());
  for (int v = 0; v < viewers; ++v) threads_.emplace_back([this, v] { Run(v); });
}

Viewers::~Viewers() { Stop(); }

void Viewers::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

std::vector<int64_t> Viewers::last_sequences() const {
  std::vector<int64_t> out;
  for (const auto& s : states_) {
    std::lock_guard lock(s->mu);
    out.push_back(s->last);
  }
  return out;
}

std::vector<std::string> Viewers::problems() const {
  std::vector<std::string> out;
  for (size_t v = 0; v < states_.size(); ++v) {
    std::lock_guard lock(states_[v]->mu);
    for (const std::string& p : states_[v]->problems)
      out.push_back(absl::StrCat("viewer ", v, ": ", p));
  }
  return out;
}

std::vector<int> Viewers::reconnects() const {
  std::vector<int> out;
  for (const auto& s : states_) {
    std::lock_guard lock(s->mu);
    out.push_back(s->reconnects);
  }
  return out;
}

std::vector<std::vector<int>> Viewers::ports_used() const {
  std::vector<std::vector<int>> out;
  for (const auto& s : states_) {
    std::lock_guard lock(s->mu);
    out.push_back(s->ports);
  }
  return out;
}

void Viewers::Run(int viewer) {
  State& s = *states_[static_cast<size_t>(viewer)];
  net::io_context ioc;
  size_t next_gateway = static_cast<size_t>(viewer) % ports_.size();
  bool first = true;
  int frame_no = 0;
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;

  // One frame: false = this connection is done with the room (reconnect and resume).
  auto handle = [&](const std::string& text) -> bool {
    gw::ServerFrame f;
    if (!google::protobuf::util::JsonStringToMessage(text, &f, parse).ok()) {
      std::lock_guard lock(s.mu);
      s.problems.push_back("unparsable frame: " + text.substr(0, 200));
      return true;
    }
    std::lock_guard lock(s.mu);
    if (f.has_room_started() && f.room_started().stream_id() == stream_id_) {
      const auto& st = f.room_started().started();
      if (s.last > 0 && !st.resumed()) {
        s.problems.push_back(absl::StrCat("a snapshot (head ", st.head_sequence(),
                                          ") where a resume after ", s.last, " was asked for"));
        s.last = st.head_sequence();
      } else if (s.last < 0 || !st.resumed()) {
        s.last = st.head_sequence();
      }
    } else if (f.has_room_event() && f.room_event().stream_id() == stream_id_ &&
               !f.room_event().ephemeral()) {
      const int64_t seq = f.room_event().sequence();
      if (s.last < 0) {
        s.problems.push_back(absl::StrCat("event ", seq, " before room_started"));
      } else if (seq != s.last + 1) {
        s.problems.push_back(
            seq > s.last + 1 ? absl::StrCat("gap: ", s.last, " then ", seq)
                             : absl::StrCat("duplicate or out of order: ", seq, " after ", s.last));
      }
      if (seq > s.last) s.last = seq;
      ++events_;
    } else if (f.has_room_ended()) {
      s.problems.push_back("room_ended " + gw::RoomEndReason_Name(f.room_ended().reason()));
      return false;
    } else if (f.has_error() && s.last < 0 && f.error().frame_id().rfind("sub", 0) == 0) {
      // The subscribe refused before the room ever started for this viewer (the room's
      // stream_created still in video-ingest's outbox on a loaded machine): again, as the web
      // client does; the run's end still requires every viewer at the room's head.
      return false;
    } else if (f.has_error()) {
      s.problems.push_back("error frame: " + text.substr(0, 300));
    }
    return true;
  };

  while (!stop_) {
    const int port = ports_[next_gateway];
    websocket::stream<beast::tcp_stream> ws(ioc);
    try {
      beast::get_lowest_layer(ws).connect(
          net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
      ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
        req.set(beast::http::field::sec_websocket_protocol, "shopcast.v1.json");
      }));
      ws.handshake("127.0.0.1", "/ws/v1");
      ws.text(true);
      gw::ClientFrame subscribe;
      subscribe.set_frame_id(absl::StrCat("sub", ++frame_no));
      subscribe.mutable_subscribe_room()->set_stream_id(stream_id_);
      subscribe.mutable_subscribe_room()->set_skip_presence(true);
      {
        std::lock_guard lock(s.mu);
        subscribe.mutable_subscribe_room()->set_after_sequence(std::max<int64_t>(s.last, 0));
        if (!first) ++s.reconnects;
        if (s.ports.empty() || s.ports.back() != port) s.ports.push_back(port);
      }
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(subscribe, &json);
      ws.write(net::buffer(json));
    } catch (const std::exception&) {
      // That gateway is gone (or going): the next one.
      next_gateway = (next_gateway + 1) % ports_.size();
      absl::SleepFor(absl::Milliseconds(100));
      continue;
    }
    first = false;

    bool closed = false;
    bool writing = false;
    beast::flat_buffer buffer;
    std::function<void()> read = [&] {
      ws.async_read(buffer, [&](beast::error_code ec, size_t) {
        if (ec) {
          closed = true;
          return;
        }
        const std::string text = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        if (!handle(text)) {
          closed = true;
          return;
        }
        read();
      });
    };
    read();
    std::string beat;
    absl::Time next_beat = absl::Now() + absl::Seconds(5);
    while (!closed && !stop_) {
      ioc.restart();
      ioc.run_for(std::chrono::milliseconds(100));
      if (!closed && !writing && absl::Now() >= next_beat) {
        gw::ClientFrame heartbeat;
        heartbeat.mutable_heartbeat();
        beat.clear();
        (void)google::protobuf::util::MessageToJsonString(heartbeat, &beat);
        writing = true;
        ws.async_write(net::buffer(beat), [&](beast::error_code ec, size_t) {
          writing = false;
          if (ec) closed = true;
        });
        next_beat = absl::Now() + absl::Seconds(5);
      }
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws).socket().close(ignored);
    ioc.restart();
    ioc.run_for(std::chrono::seconds(2));  // the aborted handlers
    // A connection that ended while the test runs: resume on the other gateway, as the web
    // client's reconnect does behind a load balancer that stopped routing to the dead one.
    next_gateway = (next_gateway + 1) % ports_.size();
  }
}

}  // namespace shopcast::scale
