#include "hls/upstream_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <utility>
#include <vector>

namespace shopcast::gateway::hls {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct UpstreamClient::Connection {
  Connection(asio::io_context& io, UpstreamClient* c, std::string k)
      : stream(io), client(c), key(std::move(k)) {
    client->metrics_->ConnectionOpened();
  }
  ~Connection() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
    client->Release(key);
    client->metrics_->ConnectionClosed();
  }
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
  UpstreamClient* client;
  std::string key;
};

namespace {

absl::Status MapError(const beast::error_code& ec, bool connecting) {
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError(connecting ? "origin connect timed out"
                                                  : "origin did not answer in time");
  }
  if (ec == http::error::body_limit) return absl::ResourceExhaustedError("too_large");
  return absl::UnavailableError(ec.message());
}

// A kept-alive connection the origin closed while it sat in the pool: the first write or read
// on it fails before any byte of a response came. Safe to retry once (GET and HEAD only here).
bool IsStale(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

}  // namespace

class UpstreamClient::Exchange {
 public:
  static asio::awaitable<void> Run(UpstreamClient* self, Origin origin, HttpRequest request,
                                   Done done) {
    const std::string key = origin.key();
    request.set(http::field::host, origin.host_header);
    request.keep_alive(true);
    const bool head = request.method() == http::verb::head;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + absl::ToChronoNanoseconds(self->options_.exchange_timeout);
    const auto connect_timeout = absl::ToChronoNanoseconds(self->options_.connect_timeout);
    UpstreamResult result;
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::unique_ptr<Connection> conn = self->Checkout(key);
      const bool reused = conn != nullptr;
      beast::error_code ec;
      if (!reused) {
        if (!self->Reserve(key)) {
          result.status = absl::ResourceExhaustedError("overloaded");
          break;
        }
        conn = std::make_unique<Connection>(self->io_, self, key);
        // Name resolution has no timeout of its own: a timer cancels it.
        auto resolver = std::make_shared<tcp::resolver>(self->io_);
        auto timer = std::make_shared<asio::steady_timer>(self->io_, connect_timeout);
        timer->async_wait([resolver](const beast::error_code& e) {
          if (!e) resolver->cancel();
        });
        auto endpoints = co_await resolver->async_resolve(
            origin.host, origin.port, asio::redirect_error(asio::use_awaitable, ec));
        timer->cancel();
        if (ec) {
          result.status = ec == asio::error::operation_aborted
                              ? absl::DeadlineExceededError("origin name did not resolve in time")
                              : absl::UnavailableError("origin name does not resolve");
          break;
        }
        conn->stream.expires_after(connect_timeout);
        co_await conn->stream.async_connect(endpoints,
                                            asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          result.status = MapError(ec, /*connecting=*/true);
          break;
        }
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        result.status = absl::DeadlineExceededError("origin did not answer in time");
        break;
      }
      conn->stream.expires_after(deadline - now);
      co_await http::async_write(conn->stream, request,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (reused && IsStale(ec)) continue;
        result.status = MapError(ec, false);
        break;
      }
      http::response_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(self->options_.max_response_bytes);
      if (head) parser.skip(true);
      co_await http::async_read_header(conn->stream, conn->buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (reused && !parser.got_some() && IsStale(ec)) continue;
        result.status = MapError(ec, false);
        break;
      }
      // A declared length over the limit is refused before its body is read (the parser's own
      // body limit covers chunked bodies as they arrive).
      if (!head && parser.content_length() &&
          *parser.content_length() > self->options_.max_response_bytes) {
        result.status = absl::ResourceExhaustedError("too_large");
        break;
      }
      co_await http::async_read(conn->stream, conn->buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec || parser.get().body().size() > self->options_.max_response_bytes) {
        result.status = ec ? MapError(ec, false) : absl::ResourceExhaustedError("too_large");
        break;
      }
      result.response = parser.release();
      if (result.response.keep_alive() && conn->buffer.size() == 0) {
        conn->stream.expires_never();
        self->Checkin(key, std::move(conn));
      }
      result.status = absl::OkStatus();
      break;
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::move(done)(std::move(result));
  }
};

UpstreamClient::UpstreamClient(asio::io_context& io, UpstreamOptions options,
                               ConnectionObserver* metrics)
    : io_(io), options_(std::move(options)), metrics_(metrics) {}

UpstreamClient::~UpstreamClient() { CloseIdle(); }

void UpstreamClient::Fetch(const Origin& origin, HttpRequest request, Done done) {
  asio::co_spawn(io_, Exchange::Run(this, origin, std::move(request), std::move(done)),
                 asio::detached);
}

void UpstreamClient::CloseIdle() {
  absl::flat_hash_map<std::string, std::deque<std::unique_ptr<Connection>>> idle;
  {
    absl::MutexLock lock(&mu_);
    idle.swap(idle_);
  }
  // Destroyed here, outside the lock (a connection's destructor releases its count).
}

std::unique_ptr<UpstreamClient::Connection> UpstreamClient::Checkout(const std::string& key) {
  std::vector<std::unique_ptr<Connection>> stale;
  std::unique_ptr<Connection> out;
  const auto now = std::chrono::steady_clock::now();
  const auto max_idle = absl::ToChronoNanoseconds(options_.idle_timeout);
  {
    absl::MutexLock lock(&mu_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      std::unique_ptr<Connection> c = std::move(list.back());
      list.pop_back();
      if (now - c->idle_since < max_idle) {
        out = std::move(c);
        break;
      }
      stale.push_back(std::move(c));
    }
    // Older ones sit at the front: anything left there that has aged out goes too.
    while (!list.empty() && now - list.front()->idle_since >= max_idle) {
      stale.push_back(std::move(list.front()));
      list.pop_front();
    }
  }
  return out;
}

void UpstreamClient::Checkin(const std::string& key, std::unique_ptr<Connection> conn) {
  conn->idle_since = std::chrono::steady_clock::now();
  std::unique_ptr<Connection> evicted;  // closed after the lock is released
  absl::MutexLock lock(&mu_);
  auto& list = idle_[key];
  if (static_cast<int>(list.size()) >= options_.max_idle_per_origin) {
    evicted = std::move(list.front());
    list.pop_front();
  }
  list.push_back(std::move(conn));
}

bool UpstreamClient::Reserve(const std::string& key) {
  absl::MutexLock lock(&mu_);
  int& open = open_[key];
  if (open >= options_.max_connections_per_origin) return false;
  ++open;
  return true;
}

void UpstreamClient::Release(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(key);
  if (it != open_.end() && --it->second <= 0) open_.erase(it);
}

}  // namespace shopcast::gateway::hls
