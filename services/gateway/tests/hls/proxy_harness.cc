#include "proxy_harness.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <list>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace shopcast::gateway::hls::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

class TestOrigin::Impl {
 public:
  explicit Impl(TestOrigin* owner) : owner_(owner), acceptor_(io_) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    owner_->port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, Accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Impl() {
    io_.stop();
    thread_.join();
  }

  std::vector<Seen> requests() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  void Release() {
    std::promise<void> done;
    asio::post(io_, [&] {
      released_ = true;
      for (auto& t : holds_) t->cancel();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket(io_);
      co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++owner_->connections_;
      asio::co_spawn(io_, Session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code ec;
      http::request<http::string_body> req;
      co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      Seen seen{std::string(req.method_string()), std::string(req.target()), {}};
      for (const auto& f : req) {
        seen.headers[absl::AsciiStrToLower(std::string(f.name_string()))] = std::string(f.value());
      }
      {
        absl::MutexLock lock(&mu_);
        seen_.push_back(seen);
      }
      std::string target = seen.target;
      std::string query;
      if (size_t q = target.find('?'); q != std::string::npos) {
        query = target.substr(q + 1);
        target.resize(q);
      }
      const std::string file = target.substr(target.rfind('/') + 1);
      http::response<http::string_body> res(http::status::ok, req.version());
      res.keep_alive(req.keep_alive());
      res.set(http::field::content_type, "video/mp2t");
      res.body() = "ok";
      if (file == "hold.m3u8") {
        if (!released_) {
          auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::hours(1));
          holds_.push_back(timer);
          ++owner_->held_;
          co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
          --owner_->held_;
          holds_.remove(timer);
        }
        res.set(http::field::content_type, "application/vnd.apple.mpegurl");
        res.set(http::field::cache_control, "no-cache");
        res.body() = "#EXTM3U\n#released\n";
      } else if (file == "range.ts") {
        std::string all(100, 'x');
        for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<char>('a' + i % 26);
        res.set(http::field::accept_ranges, "bytes");
        res.body() = all;
        auto range = seen.headers.find("range");
        size_t first = 0, last = 0;
        std::vector<std::string> parts;
        if (range != seen.headers.end() && absl::StartsWith(range->second, "bytes=")) {
          parts = absl::StrSplit(range->second.substr(6), '-');
        }
        if (parts.size() == 2 && absl::SimpleAtoi(parts[0], &first) &&
            absl::SimpleAtoi(parts[1], &last) && first <= last && last < all.size()) {
          res.result(http::status::partial_content);
          res.set(http::field::content_range, absl::StrCat("bytes ", first, "-", last, "/100"));
          res.body() = all.substr(first, last - first + 1);
        }
      } else if (file == "etag.m3u8") {
        res.set(http::field::content_type, "application/vnd.apple.mpegurl");
        res.set(http::field::etag, "\"v1\"");
        res.set(http::field::last_modified, "Wed, 02 Dec 2026 10:00:00 GMT");
        res.set(http::field::cache_control, "max-age=1");
        res.set("X-Internal-Secret", "origin-only");
        res.body() = "#EXTM3U\n";
        auto inm = seen.headers.find("if-none-match");
        if (inm != seen.headers.end() && inm->second == "\"v1\"") {
          res.result(http::status::not_modified);
          res.body().clear();
        }
      } else if (file == "gated.m3u8") {
        if (!absl::StrContains(absl::StrCat("&", query, "&"), "&token=good&")) {
          res.result(http::status::forbidden);
          res.set(http::field::content_type, "text/plain");
          res.body() = "forbidden";
        }
      } else if (file == "big.ts") {
        res.body() = std::string(2 << 20, 'b');
      }
      if (req.method() == http::verb::head) {
        res.content_length(res.body().size());
        http::response<http::empty_body> head(res.result(), res.version());
        for (const auto& f : res) head.set(f.name_string(), f.value());
        head.keep_alive(req.keep_alive());
        co_await http::async_write(stream, head, asio::redirect_error(asio::use_awaitable, ec));
      } else if (res.result() == http::status::not_modified) {
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      } else {
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec || !req.keep_alive()) co_return;
    }
  }

  TestOrigin* owner_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  bool released_ = false;                                 // I/O thread only
  std::list<std::shared_ptr<asio::steady_timer>> holds_;  // I/O thread only
  mutable absl::Mutex mu_;
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
};

TestOrigin::TestOrigin() { impl_ = std::make_unique<Impl>(this); }
TestOrigin::~TestOrigin() = default;
std::vector<TestOrigin::Seen> TestOrigin::requests() const { return impl_->requests(); }
void TestOrigin::Release() { impl_->Release(); }

int ClosedPort() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::future<HttpResponse> Start(RouteHandler& handler, HttpRequest request) {
  auto promise = std::make_shared<std::promise<HttpResponse>>();
  std::future<HttpResponse> f = promise->get_future();
  RequestContext ctx;
  ctx.request_id = "test-request";
  ctx.client_address = "127.0.0.1";
  ctx.received = absl::Now();
  handler.Handle(std::move(request), ctx,
                 [promise](HttpResponse res) mutable { promise->set_value(std::move(res)); });
  return f;
}

HttpResponse Call(RouteHandler& handler, HttpRequest request, absl::Duration timeout) {
  std::future<HttpResponse> f = Start(handler, std::move(request));
  REQUIRE(f.wait_for(absl::ToChronoNanoseconds(timeout)) == std::future_status::ready);
  return f.get();
}

HttpRequest Get(const std::string& target, const std::map<std::string, std::string>& headers) {
  HttpRequest req(http::verb::get, target, 11);
  req.set(http::field::host, "gateway.test");
  for (const auto& [k, v] : headers) req.set(k, v);
  return req;
}

class TestListener::Impl {
 public:
  Impl(std::shared_ptr<RouteHandler> handler, int* port)
      : handler_(std::move(handler)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    *port = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~Impl() {
    stopping_ = true;
    beast::error_code ec;
    // A blocking accept() is not woken by close() from another thread: connect once instead.
    {
      tcp::socket wake(io_);
      wake.connect(acceptor_.local_endpoint(), ec);
    }
    accept_thread_.join();
    acceptor_.close(ec);
    {
      absl::MutexLock lock(&mu_);
      for (tcp::socket* s : sockets_) s->shutdown(tcp::socket::shutdown_both, ec);
    }
    for (auto& t : threads_) t.join();
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      beast::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      threads_.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
    }
  }
  void Serve(tcp::socket socket) {
    {
      absl::MutexLock lock(&mu_);
      sockets_.push_back(&socket);
    }
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code ec;
      HttpRequest req;
      http::read(socket, buffer, req, ec);
      if (ec) break;
      const bool keep = req.keep_alive();
      std::future<HttpResponse> f = Start(*handler_, std::move(req));
      HttpResponse res = f.get();
      res.keep_alive(keep);
      http::write(socket, res, ec);
      if (ec || !keep) break;
    }
    absl::MutexLock lock(&mu_);
    sockets_.remove(&socket);
  }

  std::shared_ptr<RouteHandler> handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::vector<std::thread> threads_;  // accept thread only
  absl::Mutex mu_;
  std::list<tcp::socket*> sockets_ ABSL_GUARDED_BY(mu_);
};

TestListener::TestListener(std::shared_ptr<RouteHandler> handler) {
  impl_ = std::make_unique<Impl>(std::move(handler), &port_);
}
TestListener::~TestListener() = default;

int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "Threads:")) return std::stoi(line.substr(8));
  }
  return -1;
}

}  // namespace shopcast::gateway::hls::testing
