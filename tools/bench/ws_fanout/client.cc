// The load client of the WebSocket fan-out benchmark (README.md), the same for both servers:
// N WebSocket sockets (Boost.Beast, asynchronous, all on one I/O thread by default) follow one
// room at ws://<host:port>/ws/streams/<room> with the JSON subprotocol; a publisher process
// (ws_fanout_publish for the gateway, node/publish.js for the Node baseline; both read
// "open <room>" / "publish <rate> <seconds>" on stdin) sends events stamped with their send time
// (steady clock, ns) at increasing rates. A step passes when every socket received every event
// of the step, none was closed, the publisher kept 95% of the rate and p99 publish-to-receipt
// is within the bar. Rates go x1.5 until a step fails, then two bisections.
//
// Memory per idle socket: VmRSS of the server process after every socket follows the room (and
// --idle_seconds idle) minus before any connected, divided by the sockets.
//
// Prints one line on stdout:
//   RESULT <label> <sockets> <ready> <bytes/idle socket> <best events/s> <deliveries/s>
//          <p50 ms> <p99 ms> <server CPU ms/1k> <upstream CPU ms/1k> <client CPU ms/1k>
// (best = the highest passing step; "-" when none passed); every step on stderr.

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/websocket.hpp"

ABSL_FLAG(std::string, label, "server", "name shown in the result");
ABSL_FLAG(std::string, target, "127.0.0.1:8080", "host:port of the WebSocket server");
ABSL_FLAG(std::string, room, "", "the room's stream id (/ws/streams/<room>)");
ABSL_FLAG(int, server_pid, 0, "the server process (RSS, CPU)");
ABSL_FLAG(std::string, upstream_pids, "",
          "comma-separated processes behind the server whose CPU is reported apart "
          "(realtime-push, PostgreSQL)");
ABSL_FLAG(std::string, publisher, "", "shell command of the publisher process");
ABSL_FLAG(int, sockets, 10000, "sockets following the room");
ABSL_FLAG(double, p99_ms, 100, "p99 publish-to-receipt bar, ms");
ABSL_FLAG(double, step_seconds, 5, "publishing time per step");
ABSL_FLAG(double, start_rate, 5, "events/s of the first step");
ABSL_FLAG(int, max_steps, 12, "steps at most before the bisection");
ABSL_FLAG(int, io_threads, 1, "client I/O threads");
ABSL_FLAG(int, max_opening, 256, "sockets connecting at a time");
ABSL_FLAG(double, idle_seconds, 12,
          "how long every socket is idle before the server's RSS is read (the gateway gives freed "
          "memory back every 10 s after a crowd joined)");
ABSL_FLAG(double, hold_idle_seconds, 0,
          "after the idle measurement, keep every socket idle this long (to profile the server)");

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Publish-to-receipt latencies: 0.1 ms buckets up to 60 s.
constexpr int kBuckets = 600000;
std::vector<std::atomic<uint32_t>> g_hist(kBuckets);
std::atomic<int64_t> g_received{0};
std::atomic<int64_t> g_closed{0};
std::atomic<int> g_opening{0};
std::atomic<int64_t> g_last_message_ns{0};

void Record(int64_t ns) {
  int64_t b = ns / 100000;
  if (b < 0) b = 0;
  if (b >= kBuckets) b = kBuckets - 1;
  g_hist[static_cast<size_t>(b)].fetch_add(1, std::memory_order_relaxed);
}

double Quantile(double q) {
  uint64_t total = 0;
  for (auto& h : g_hist) total += h.load(std::memory_order_relaxed);
  if (total == 0) return NAN;
  const auto want = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += g_hist[static_cast<size_t>(b)].load(std::memory_order_relaxed);
    if (seen >= want) return (b + 1) / 10.0;
  }
  return kBuckets / 10.0;
}

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  // One I/O thread needs no strand (the handlers of a socket cannot run at once).
  Socket(net::io_context& io, bool strand, tcp::endpoint ep, std::string host, std::string path)
      : ws_(strand ? net::any_io_executor(net::make_strand(io))
                   : net::any_io_executor(io.get_executor())),
        ep_(ep),
        host_(std::move(host)),
        path_(std::move(path)) {}

  std::atomic<int64_t> count{0};
  std::atomic<bool> live{false};  // following the room (roomStarted seen), not closed

  void Start() {
    ws_.next_layer().async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Fail();
      self->ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
        req.set(beast::http::field::sec_websocket_protocol, "shopcast.v1.json");
      }));
      self->ws_.text(true);
      self->ws_.async_handshake(self->host_, self->path_, [self](beast::error_code ec2) {
        if (ec2) return self->Fail();
        self->Read();
      });
    });
  }

  // The gateway closes sockets silent for 45 s; both servers get the same heartbeats.
  void Heartbeat() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      if (!self->live || self->writing_) return;
      self->writing_ = true;
      self->ws_.async_write(net::buffer(kHeartbeat),
                            [self](beast::error_code, size_t) { self->writing_ = false; });
    });
  }

  void Close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->ws_.next_layer().socket().close(ec);
    });
  }

 private:
  static constexpr std::string_view kHeartbeat = R"({"heartbeat":{}})";

  void Fail() {
    if (!started_) {
      started_ = true;
      g_opening.fetch_sub(1);
    }
    if (live.exchange(false)) g_closed.fetch_add(1);
  }

  void Read() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail();
      const auto data = self->buf_.cdata();
      self->OnMessage(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buf_.consume(self->buf_.size());
      self->Read();
    });
  }

  void OnMessage(std::string_view m) {
    const int64_t now = SteadyNowNs();
    g_last_message_ns.store(now, std::memory_order_relaxed);
    if (!started_) {
      if (m.find("\"roomStarted\"") != std::string_view::npos) {
        started_ = true;
        live = true;
        g_opening.fetch_sub(1);
      }
      return;
    }
    if (m.find("\"productUpdated\"") == std::string_view::npos) return;  // counts, acks
    constexpr std::string_view kTitle = "\"title\":\"";
    const size_t at = m.find(kTitle);
    if (at == std::string_view::npos) return;
    int64_t sent = 0;
    const char* begin = m.data() + at + kTitle.size();
    if (std::from_chars(begin, m.data() + m.size(), sent).ec != std::errc()) return;
    Record(now - sent);
    count.fetch_add(1, std::memory_order_relaxed);
    g_received.fetch_add(1, std::memory_order_relaxed);
  }

  websocket::stream<beast::tcp_stream> ws_;
  tcp::endpoint ep_;
  std::string host_, path_;
  beast::flat_buffer buf_;
  bool started_ = false;
  bool writing_ = false;
};

int64_t RssKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

double CpuMs(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  const size_t close = all.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> f = absl::StrSplit(all.substr(close + 2), ' ');
  if (f.size() < 13) return 0;
  return (std::stod(f[11]) + std::stod(f[12])) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

// The publisher child: its stdin and stdout as pipes.
struct Publisher {
  FILE* to = nullptr;
  FILE* from = nullptr;
  pid_t pid = 0;

  explicit Publisher(const std::string& cmd) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) std::abort();
    pid = fork();
    if (pid == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to = fdopen(in[1], "w");
    from = fdopen(out[0], "r");
  }
  std::string Ask(const std::string& line) {
    std::fprintf(to, "%s\n", line.c_str());
    std::fflush(to);
    char reply[512];
    if (std::fgets(reply, sizeof reply, from) == nullptr) {
      std::fprintf(stderr, "publisher ended\n");
      std::exit(1);
    }
    std::string r(reply);
    while (!r.empty() && r.back() == '\n') r.pop_back();
    return r;
  }
  ~Publisher() {
    std::fclose(to);
    std::fclose(from);
    waitpid(pid, nullptr, 0);
  }
};

template <typename F>
bool WaitFor(F cond, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!cond()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

struct Step {
  double rate = 0, achieved = 0;
  int64_t published = 0, deliveries = 0, short_sockets = 0, closed = 0;
  double p50 = NAN, p99 = NAN, max = NAN, server_cpu = NAN, upstream_cpu = NAN, client_cpu = NAN;
  bool pass = false;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string label = absl::GetFlag(FLAGS_label);
  const int n = absl::GetFlag(FLAGS_sockets);
  const int server_pid = absl::GetFlag(FLAGS_server_pid);
  std::vector<int> upstream;
  for (absl::string_view p :
       absl::StrSplit(absl::GetFlag(FLAGS_upstream_pids), ',', absl::SkipEmpty())) {
    int v = 0;
    if (absl::SimpleAtoi(p, &v)) upstream.push_back(v);
  }
  const std::string target = absl::GetFlag(FLAGS_target);
  const size_t colon = target.rfind(':');
  const std::string host = target.substr(0, colon);
  const tcp::endpoint ep(net::ip::make_address(host),
                         static_cast<unsigned short>(std::stoi(target.substr(colon + 1))));
  const std::string path = "/ws/streams/" + absl::GetFlag(FLAGS_room);
  auto log = [&](const std::string& s) {
    std::fprintf(stderr, "[%s] %s\n", label.c_str(), s.c_str());
  };

  net::io_context io;
  auto work = net::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < absl::GetFlag(FLAGS_io_threads); ++i) threads.emplace_back([&] { io.run(); });

  std::vector<std::shared_ptr<Socket>> sockets(static_cast<size_t>(n));
  std::mutex sockets_mu;  // the slots, replaced by open_all while heartbeats read them
  auto open_all = [&] {
    const int max_opening = absl::GetFlag(FLAGS_max_opening);
    for (auto& s : sockets) {
      if (s != nullptr && s->live) continue;
      while (g_opening.load() >= max_opening)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      auto fresh = std::make_shared<Socket>(io, threads.size() > 1, ep, host, path);
      if (s != nullptr) fresh->count.store(s->count.load());
      {
        std::lock_guard<std::mutex> lock(sockets_mu);
        s = fresh;
      }
      g_opening.fetch_add(1);
      s->Start();
    }
    WaitFor([] { return g_opening.load() == 0; }, std::chrono::minutes(5));
    int live = 0;
    for (auto& s : sockets) live += s->live ? 1 : 0;
    return live;
  };

  std::atomic<bool> stop{false};
  std::thread heartbeats([&] {
    size_t next = 0;
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const size_t per = (sockets.size() + 149) / 150;  // every socket every 15 s
      for (size_t k = 0; k < per; ++k, ++next) {
        std::shared_ptr<Socket> s;
        {
          std::lock_guard<std::mutex> lock(sockets_mu);
          s = sockets[next % sockets.size()];
        }
        if (s != nullptr) s->Heartbeat();
      }
    }
  });

  Publisher pub(absl::GetFlag(FLAGS_publisher));
  const std::string opened = pub.Ask("open " + absl::GetFlag(FLAGS_room));
  if (opened.rfind("opened", 0) != 0) {
    log("publisher: " + opened);
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int64_t rss_before = RssKiB(server_pid);
  const auto t0 = Clock::now();
  const int ready = open_all();
  const double connect_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::duration<double>(absl::GetFlag(FLAGS_idle_seconds)));
  const int64_t rss_after = RssKiB(server_pid);
  const double per_socket =
      static_cast<double>(rss_after - rss_before) * 1024.0 / std::max(ready, 1);
  char msg[512];
  std::snprintf(
      msg, sizeof msg,
      "%d/%d sockets follow the room in %.1f s; RSS %lld -> %lld KiB: %.0f B per idle socket",
      ready, n, connect_s, static_cast<long long>(rss_before), static_cast<long long>(rss_after),
      per_socket);
  log(msg);
  if (absl::GetFlag(FLAGS_hold_idle_seconds) > 0) {
    log("holding the sockets idle");
    std::this_thread::sleep_for(
        std::chrono::duration<double>(absl::GetFlag(FLAGS_hold_idle_seconds)));
  }

  const double bar = absl::GetFlag(FLAGS_p99_ms);
  const double seconds = absl::GetFlag(FLAGS_step_seconds);
  auto step = [&](double rate) {
    Step r;
    r.rate = rate;
    open_all();
    // The previous step's tail drained: no message for 1 s.
    WaitFor([] { return SteadyNowNs() - g_last_message_ns.load() > 1'000'000'000; },
            std::chrono::seconds(30));
    for (auto& h : g_hist) h.store(0, std::memory_order_relaxed);
    std::vector<int64_t> base;
    for (auto& s : sockets) base.push_back(s->count.load());
    const int64_t closed0 = g_closed.load(), received0 = g_received.load();
    const double cpu0 = CpuMs(server_pid), self0 = SelfCpuMs();
    double up0 = 0;
    for (int p : upstream) up0 += CpuMs(p);
    char cmd[64];
    std::snprintf(cmd, sizeof cmd, "publish %.2f %.2f", rate, seconds);
    std::istringstream reply(pub.Ask(cmd));
    std::string word;
    int64_t failed = 0;
    reply >> word >> r.published >> failed >> r.achieved;
    const int64_t expected = r.published * n;
    WaitFor([&] { return g_received.load() - received0 >= expected; }, std::chrono::seconds(15));
    r.deliveries = g_received.load() - received0;
    r.server_cpu = (CpuMs(server_pid) - cpu0) * 1000.0 / std::max<int64_t>(r.deliveries, 1);
    double up1 = 0;
    for (int p : upstream) up1 += CpuMs(p);
    r.upstream_cpu = (up1 - up0) * 1000.0 / std::max<int64_t>(r.deliveries, 1);
    r.client_cpu = (SelfCpuMs() - self0) * 1000.0 / std::max<int64_t>(r.deliveries, 1);
    for (size_t i = 0; i < sockets.size(); ++i) {
      if (sockets[i]->count.load() - base[i] < r.published) ++r.short_sockets;
    }
    r.closed = g_closed.load() - closed0;
    r.p50 = Quantile(0.5);
    r.p99 = Quantile(0.99);
    r.max = Quantile(1.0);
    r.pass = r.short_sockets == 0 && r.closed == 0 && failed == 0 && r.achieved >= 0.95 * rate &&
             r.p99 <= bar;
    char line[512];
    std::snprintf(line, sizeof line,
                  "step %.1f ev/s: published %lld (%.1f/s, %lld failed), deliveries %lld/%lld, "
                  "short sockets %lld, closed %lld, p50 %.1f p99 %.1f max %.1f ms, CPU ms/1k "
                  "server %.2f upstream %.2f client %.2f -> %s",
                  rate, static_cast<long long>(r.published), r.achieved,
                  static_cast<long long>(failed), static_cast<long long>(r.deliveries),
                  static_cast<long long>(expected), static_cast<long long>(r.short_sockets),
                  static_cast<long long>(r.closed), r.p50, r.p99, r.max, r.server_cpu,
                  r.upstream_cpu, r.client_cpu, r.pass ? "PASS" : "FAIL");
    log(line);
    return r;
  };

  std::optional<Step> best, fail;
  double rate = absl::GetFlag(FLAGS_start_rate);
  for (int i = 0; i < absl::GetFlag(FLAGS_max_steps); ++i) {
    Step r = step(rate);
    if (!r.pass) {
      fail = r;
      break;
    }
    best = r;
    rate = std::round(rate * 15.0) / 10.0;
  }
  for (int k = 0; k < 2 && fail.has_value(); ++k) {
    const double lo = best ? best->rate : 0;
    const double mid = std::round((lo + fail->rate) * 5.0) / 10.0;
    if (mid <= lo || mid >= fail->rate) break;
    Step r = step(mid);
    if (r.pass)
      best = r;
    else
      fail = r;
  }

  if (best) {
    std::printf("RESULT %s %d %d %.0f %.1f %.0f %.1f %.1f %.2f %.2f %.2f\n", label.c_str(), n,
                ready, per_socket, best->rate, best->achieved * n, best->p50, best->p99,
                best->server_cpu, best->upstream_cpu, best->client_cpu);
  } else {
    std::printf("RESULT %s %d %d %.0f - - - - - - -\n", label.c_str(), n, ready, per_socket);
  }
  std::fflush(stdout);
  stop = true;
  heartbeats.join();
  for (auto& s : sockets)
    if (s) s->Close();
  work.reset();
  io.stop();
  for (auto& t : threads) t.join();
  return 0;
}
