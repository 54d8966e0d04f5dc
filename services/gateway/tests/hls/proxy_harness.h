#pragma once

// What the HLS proxy tests stand on: a scripted HLS origin (Boost.Beast, one thread, C++20
// coroutines) that records what reaches it and holds "blocking" requests until the test lets
// them go; a tiny HTTP listener that puts the proxy on a real port (for ffprobe); and a way to
// call the handler directly and wait for its answer.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/exchange.h"

namespace shopcast::gateway::hls::testing {

// A scripted origin on 127.0.0.1. Answers by file name (the last path segment):
//   hold.m3u8  — held until Release(), then 200 with "#EXTM3U\n#released\n"
//   range.ts   — 100 bytes 'a'..; "Range: bytes=a-b" → 206 with Content-Range
//   etag.m3u8  — ETag "v1", Last-Modified; If-None-Match "v1" → 304
//   gated.m3u8 — 403 unless the query has token=good
//   big.ts     — 2 MiB
//   anything else — 200 "ok" as video/mp2t
// Every request is recorded (method, target as sent, headers).
class TestOrigin {
 public:
  TestOrigin();
  ~TestOrigin();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  struct Seen {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
  };
  std::vector<Seen> requests() const;
  int held() const { return held_.load(); }
  // Connections accepted so far (keep-alive reuse shows as fewer connections than requests).
  int connections() const { return connections_.load(); }
  // Answers every held request (and any that arrives later, until Hold()).
  void Release();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<int> held_{0};
  std::atomic<int> connections_{0};
  friend class Impl;
};

// A port that refuses connections (bound, then closed).
int ClosedPort();

// Calls the handler and waits for its answer; fails the test after `timeout`.
HttpResponse Call(RouteHandler& handler, HttpRequest request,
                  absl::Duration timeout = absl::Seconds(30));
// Starts a call; the future is ready when the handler answers.
std::future<HttpResponse> Start(RouteHandler& handler, HttpRequest request);
HttpRequest Get(const std::string& target, const std::map<std::string, std::string>& headers = {});

// The proxy on a real port, one thread per connection (tests only): what ffprobe talks to.
class TestListener {
 public:
  explicit TestListener(std::shared_ptr<RouteHandler> handler);
  ~TestListener();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Threads of this process now (/proc/self/status).
int ThreadCount();

}  // namespace shopcast::gateway::hls::testing
