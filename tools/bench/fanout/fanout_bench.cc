// Fan-out of room events: realtime-push against a bare gRPC broadcast server (the transport's
// ceiling on this machine, baseline_server.cc), both driven by this one load client.
//
// For one layout (--rooms x --per_room subscribers) and each server in turn:
//  - subscribe everyone; resident memory per subscriber = (server VmRSS after - before) / n;
//  - search the rate: publish for --step_seconds at a rate, wait for every subscriber to have
//    every event, and step up (x --step_factor) until a step fails; then bisect twice between
//    the last pass and the first failure. A step passes when every event reached every
//    subscriber in order (no gap, no repeat, no resync, no call ended), the publisher kept the
//    rate, and p99 publish-to-receipt <= --p99_ms. At each step the server's CPU (utime+stime
//    from /proc) per 1,000 deliveries is taken;
//  - with --storm (realtime-push only): while events keep flowing, every subscriber drops its
//    call and resubscribes at once with after_sequence = its last sequence; the time until all
//    are live again and caught up, and whether any event was lost or repeated across the drop.
// Prints markdown table rows on stdout (run.sh adds the header) and each step on stderr.
//
//   fanout_bench --pki_dir=... --baseline=pid,public,internal --realtime_push=pid,public,internal
//                --rooms=1 --per_room=10000 [--storm]

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "histogram.h"
#include "proc_stats.h"
#include "publisher.h"
#include "shopcast/ids/ids.h"
#include "subscribers.h"
#include "target.h"

ABSL_FLAG(std::string, pki_dir, "", "dev-pki folder with the video-ingest credential");
ABSL_FLAG(std::string, baseline, "", "pid,public_addr,internal_addr of the baseline server");
ABSL_FLAG(std::string, realtime_push, "", "pid,public_addr,internal_addr of realtime-push");
ABSL_FLAG(std::string, realtime_push_name, "realtime-push", "realtime-push's name in the table");
ABSL_FLAG(std::string, realtime_push_b, "",
          "pid,public_addr,internal_addr of a second realtime-push build (an A/B in one run), "
          "measured after the first; empty: none");
ABSL_FLAG(std::string, realtime_push_b_name, "realtime-push B", "its name in the table");
ABSL_FLAG(bool, realtime_push_b_opens_rooms, true,
          "whether B's rooms are opened through its EventSink first (false: B is another baseline "
          "server, run.sh's BASE_B_ARGS)");
ABSL_FLAG(int, max_events_per_message, 64,
          "what realtime-push's subscribers ask for (SubscribeRequest.max_events_per_message); "
          "the baseline server sends one event per message whatever is asked");
ABSL_FLAG(int, max_events_per_message_b, 64, "the same for the second realtime-push");
ABSL_FLAG(std::string, label, "", "scenario name for the table");
ABSL_FLAG(int, db_pid, 0, "PostgreSQL's postmaster; its backends' CPU is reported beside");
ABSL_FLAG(int, storm_connecting, 100000,
          "subscribe calls opened at once in the storm (all of them by default)");
ABSL_FLAG(int, rooms, 1, "rooms");
ABSL_FLAG(int, per_room, 10000, "subscribers per room");
ABSL_FLAG(int, channels, 32, "client channels (one HTTP/2 connection each)");
ABSL_FLAG(double, start_deliveries, 20000, "deliveries/s of the first step");
ABSL_FLAG(double, step_factor, 1.5, "rate multiplier between steps");
ABSL_FLAG(int, max_steps, 14, "steps at most per server, bisection included");
ABSL_FLAG(double, step_seconds, 5, "publishing time per step");
ABSL_FLAG(double, drain_seconds, 15, "how long a step waits for the last deliveries");
ABSL_FLAG(double, p99_ms, 100, "the latency bar");
ABSL_FLAG(bool, storm, false, "run the reconnect storm against realtime-push after the search");
ABSL_FLAG(double, storm_seconds, 5, "publishing after the storm's subscribers are all back");

namespace fan = shopcast::bench::fanout;

namespace {

struct Step {
  double rate = 0;          // asked, events/s
  double achieved = 0;      // events/s
  double deliveries_s = 0;  // achieved x subscribers per room
  double p50_ms = 0, p99_ms = 0;
  double cpu_ms_per_1k = 0;         // server CPU per 1,000 deliveries
  double client_cpu_ms_per_1k = 0;  // this load client's, for scale (same two cores)
  double db_cpu_ms_per_1k = 0;      // PostgreSQL's backends' (realtime-push's log)
  bool pass = false;
  std::string why;
};

struct ServerResult {
  std::string name;
  int64_t subscribers = 0;
  double connect_s = 0;
  double rss_kib_per_sub = 0;
  std::optional<Step> best;
};

fan::TargetOptions ParseTarget(const std::string& name, const std::string& spec, bool opens) {
  std::vector<std::string> parts = absl::StrSplit(spec, ',');
  fan::TargetOptions o;
  int pid = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &pid)) {
    std::fprintf(stderr, "--%s must be pid,public_addr,internal_addr\n", name.c_str());
    std::exit(2);
  }
  o.name = name;
  o.pid = pid;
  o.public_target = parts[1];
  o.internal_target = parts[2];
  o.opens_rooms = opens;
  o.channels = absl::GetFlag(FLAGS_channels);
  return o;
}

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

Step RunStep(fan::Target& target, fan::SubscriberSet& subs, fan::Publisher& pub,
             fan::LatencyHistogram& latency, double rate, int per_room) {
  Step s;
  s.rate = rate;
  latency.Reset();
  const fan::Totals before = subs.totals();
  const int64_t sum_before = subs.SumLastSeq();
  const double cpu_before = fan::CpuSeconds(target.options().pid);
  const double client_cpu_before = fan::CpuSeconds(getpid());
  const pid_t db = absl::GetFlag(FLAGS_db_pid);
  const double db_cpu_before = db > 0 ? fan::ChildrenCpuSeconds(db) : 0;
  const fan::PublishResult published =
      pub.Run(rate, absl::Seconds(absl::GetFlag(FLAGS_step_seconds)));
  const std::vector<int64_t> heads = pub.Heads();
  const bool reached = WaitFor([&] { return subs.AllReached(heads); },
                               absl::Seconds(absl::GetFlag(FLAGS_drain_seconds)));
  const double cpu = fan::CpuSeconds(target.options().pid) - cpu_before;
  const double client_cpu = fan::CpuSeconds(getpid()) - client_cpu_before;
  const double db_cpu = db > 0 ? fan::ChildrenCpuSeconds(db) - db_cpu_before : 0;
  const fan::Totals after = subs.totals();
  const int64_t deliveries = subs.SumLastSeq() - sum_before;
  const int64_t expected = published.published * per_room;

  s.achieved = published.achieved_rate;
  s.deliveries_s = published.achieved_rate * per_room;
  s.p50_ms = latency.QuantileMs(0.50);
  s.p99_ms = latency.QuantileMs(0.99);
  s.cpu_ms_per_1k = deliveries > 0 ? cpu * 1e6 / static_cast<double>(deliveries) : 0;
  s.client_cpu_ms_per_1k = deliveries > 0 ? client_cpu * 1e6 / static_cast<double>(deliveries) : 0;
  s.db_cpu_ms_per_1k = deliveries > 0 ? db_cpu * 1e6 / static_cast<double>(deliveries) : 0;
  if (!reached) {
    s.why = absl::StrFormat("not all delivered in %.0f s", absl::GetFlag(FLAGS_drain_seconds));
  } else if (after.gaps != before.gaps || after.repeats != before.repeats ||
             after.resyncs != before.resyncs || after.ended != before.ended) {
    s.why = absl::StrFormat("gaps %d, repeats %d, resyncs %d, calls ended %d",
                            after.gaps - before.gaps, after.repeats - before.repeats,
                            after.resyncs - before.resyncs, after.ended - before.ended);
  } else if (deliveries != expected || static_cast<int64_t>(latency.Count()) != expected) {
    s.why = absl::StrFormat("%d deliveries (%d timed) for %d expected", deliveries, latency.Count(),
                            expected);
  } else if (published.failed > 0) {
    s.why = absl::StrFormat("%d publishes failed", published.failed);
  } else if (published.achieved_rate < 0.95 * rate) {
    s.why = absl::StrFormat("publisher reached only %.1f events/s", published.achieved_rate);
  } else if (s.p99_ms > absl::GetFlag(FLAGS_p99_ms)) {
    s.why = absl::StrFormat("p99 %.1f ms", s.p99_ms);
  } else {
    s.pass = true;
  }
  std::fprintf(stderr,
               "  %-13s rate %8.1f ev/s -> %8.1f ev/s, %9.0f deliveries/s, p50 %7.2f ms, p99 "
               "%7.2f ms, CPU %6.2f ms/1k (client %6.2f, PostgreSQL %5.2f): %s\n",
               target.options().name.c_str(), rate, s.achieved, s.deliveries_s, s.p50_ms, s.p99_ms,
               s.cpu_ms_per_1k, s.client_cpu_ms_per_1k, s.db_cpu_ms_per_1k,
               s.pass ? "pass" : ("FAIL (" + s.why + ")").c_str());
  return s;
}

// Subscribes everyone again from a snapshot after a failed step broke the state.
bool Reconnect(fan::SubscriberSet& subs) {
  subs.ResetAll();
  return subs.ConnectAll(absl::Now() + absl::Minutes(5));
}

void Storm(fan::SubscriberSet& subs, fan::Publisher& pub, double rate, const std::string& server) {
  std::fprintf(stderr, "  storm: %zu subscribers drop and resume at %.1f events/s\n", subs.size(),
               rate);
  pub.Start(rate);
  absl::SleepFor(absl::Seconds(2));
  const fan::Totals before = subs.totals();
  subs.ClearRefusals();
  subs.set_max_connecting(absl::GetFlag(FLAGS_storm_connecting));
  const absl::Time t0 = absl::Now();
  subs.CancelAll();
  const bool back = subs.ConnectAll(absl::Now() + absl::Minutes(5));
  const double live_s = absl::ToDoubleSeconds(absl::Now() - t0);
  const std::vector<int64_t> heads_when_live = pub.Heads();
  const bool caught =
      back && WaitFor([&] { return subs.AllReached(heads_when_live); }, absl::Minutes(2));
  const double caught_s = absl::ToDoubleSeconds(absl::Now() - t0);
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_storm_seconds)));
  const fan::PublishResult published = pub.Stop();
  const std::vector<int64_t> heads = pub.Heads();
  const bool all = WaitFor([&] { return subs.AllReached(heads); }, absl::Minutes(1));
  const fan::Totals after = subs.totals();
  const int64_t lost = after.gaps - before.gaps + after.resyncs - before.resyncs;
  // Tagged: run.sh prints the storm rows as a table of their own.
  std::printf("STORM | %s | %lld | %.1f | %s | %s | %s | %lld | %lld | %lld | %s |\n",
              // With two builds of realtime-push in the run, which one's storm this was.
              (absl::GetFlag(FLAGS_realtime_push_b).empty()
                   ? absl::GetFlag(FLAGS_label)
                   : absl::StrCat(absl::GetFlag(FLAGS_label), " (", server, ")"))
                  .c_str(),
              static_cast<long long>(subs.size()), rate,
              back ? absl::StrFormat("%.2f", live_s).c_str() : "not all",
              caught ? absl::StrFormat("%.2f", caught_s).c_str() : "not all", all ? "yes" : "NO",
              static_cast<long long>(lost), static_cast<long long>(after.repeats - before.repeats),
              static_cast<long long>(published.published), subs.refusals().c_str());
  std::fflush(stdout);
}

ServerResult RunServer(fan::TargetOptions options, const shopcast::auth::ServiceTls& tls,
                       bool storm) {
  const int rooms_n = absl::GetFlag(FLAGS_rooms);
  const int per_room = absl::GetFlag(FLAGS_per_room);
  fan::Target target(options, tls);
  std::vector<std::string> rooms;
  for (int i = 0; i < rooms_n; ++i) rooms.push_back(shopcast::ids::NewId("str"));
  if (absl::Status s = target.OpenRooms(rooms); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", options.name.c_str(), std::string(s.message()).c_str());
    std::exit(1);
  }
  ServerResult result;
  result.name = options.name;
  auto latency = std::make_unique<fan::LatencyHistogram>();
  fan::SubscriberSet subs(target, rooms, per_room, *latency);
  fan::Publisher pub(target, rooms);
  result.subscribers = static_cast<int64_t>(subs.size());

  absl::SleepFor(absl::Seconds(1));
  const int64_t rss_before = fan::RssBytes(options.pid);
  const absl::Time t0 = absl::Now();
  if (!subs.ConnectAll(absl::Now() + absl::Minutes(5))) {
    const fan::Totals t = subs.totals();
    std::fprintf(stderr, "%s: only %lld of %lld subscribers started in 5 min; refusals: %s\n",
                 options.name.c_str(), static_cast<long long>(t.live),
                 static_cast<long long>(t.subscribers), subs.refusals().c_str());
    std::exit(1);
  }
  result.connect_s = absl::ToDoubleSeconds(absl::Now() - t0);
  absl::SleepFor(absl::Seconds(2));  // the last writes' buffers settle
  result.rss_kib_per_sub = static_cast<double>(fan::RssBytes(options.pid) - rss_before) / 1024.0 /
                           static_cast<double>(subs.size());
  std::fprintf(stderr,
               "%s: %zu subscribers live in %.1f s (refused and retried: %s), %.1f KiB "
               "RSS each\n",
               options.name.c_str(), subs.size(), result.connect_s, subs.refusals().c_str(),
               result.rss_kib_per_sub);

  // Step up until the bar breaks, then bisect (geometric mean) twice between the best pass
  // and the lowest failure.
  const int max_steps = absl::GetFlag(FLAGS_max_steps);
  int steps = 0;
  std::optional<double> failed_at;
  auto run = [&](double rate) {
    Step s = RunStep(target, subs, pub, *latency, rate, per_room);
    ++steps;
    if (s.pass) {
      if (!result.best || s.achieved > result.best->achieved) result.best = s;
      return true;
    }
    failed_at = failed_at ? std::min(*failed_at, rate) : rate;
    if (!Reconnect(subs)) {
      std::fprintf(stderr, "%s: could not resubscribe everyone after a failed step\n",
                   options.name.c_str());
      std::exit(1);
    }
    return false;
  };
  for (double rate = absl::GetFlag(FLAGS_start_deliveries) / per_room;
       steps < max_steps && run(rate); rate *= absl::GetFlag(FLAGS_step_factor)) {
  }
  for (int i = 0; i < 2 && failed_at && steps < max_steps; ++i) {
    const double lo = result.best ? result.best->rate : *failed_at / 4;
    if (*failed_at / lo < 1.1) break;
    run(std::sqrt(lo * *failed_at));
  }
  if (storm && result.best) Storm(subs, pub, result.best->achieved / 2, options.name);
  return result;
}

std::string Cell(const std::optional<Step>& s, double Step::*field, int decimals) {
  return s ? absl::StrFormat("%.*f", decimals, (*s).*field) : "—";
}

void PrintRow(const std::string& label, const ServerResult& r, const std::string& ratio) {
  const auto& b = r.best;
  std::printf("| %s | %s | %lld | %.0f | %.1f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s |\n",
              label.c_str(), r.name.c_str(), static_cast<long long>(r.subscribers),
              absl::GetFlag(FLAGS_p99_ms), r.connect_s, r.rss_kib_per_sub,
              Cell(b, &Step::achieved, 1).c_str(), Cell(b, &Step::deliveries_s, 0).c_str(),
              Cell(b, &Step::p50_ms, 2).c_str(), Cell(b, &Step::p99_ms, 2).c_str(),
              Cell(b, &Step::cpu_ms_per_1k, 1).c_str(),
              Cell(b, &Step::client_cpu_ms_per_1k, 1).c_str(),
              Cell(b, &Step::db_cpu_ms_per_1k, 1).c_str(), ratio.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string pki = absl::GetFlag(FLAGS_pki_dir);
  auto tls = shopcast::auth::LoadServiceTls(
      {pki + "/ca.pem", pki + "/video-ingest.pem", pki + "/video-ingest.key"});
  if (!tls.ok()) {
    std::fprintf(stderr, "credential: %s\n", std::string(tls.status().message()).c_str());
    return 2;
  }
  const std::string label = absl::GetFlag(FLAGS_label);
  std::fprintf(stderr, "== %s: %d room(s) x %d subscribers\n", label.c_str(),
               absl::GetFlag(FLAGS_rooms), absl::GetFlag(FLAGS_per_room));
  ServerResult base =
      RunServer(ParseTarget("baseline", absl::GetFlag(FLAGS_baseline), false), *tls, false);
  std::vector<ServerResult> rps;
  fan::TargetOptions a = ParseTarget(absl::GetFlag(FLAGS_realtime_push_name),
                                     absl::GetFlag(FLAGS_realtime_push), true);
  a.max_events_per_message = absl::GetFlag(FLAGS_max_events_per_message);
  rps.push_back(RunServer(a, *tls, absl::GetFlag(FLAGS_storm)));
  if (!absl::GetFlag(FLAGS_realtime_push_b).empty()) {
    fan::TargetOptions b =
        ParseTarget(absl::GetFlag(FLAGS_realtime_push_b_name), absl::GetFlag(FLAGS_realtime_push_b),
                    absl::GetFlag(FLAGS_realtime_push_b_opens_rooms));
    b.max_events_per_message = absl::GetFlag(FLAGS_max_events_per_message_b);
    rps.push_back(RunServer(b, *tls, absl::GetFlag(FLAGS_storm)));
  }
  PrintRow(label, base, "1×");
  for (const ServerResult& rp : rps) {
    std::string ratio = "—";
    if (base.best && rp.best) {
      ratio = absl::StrFormat("**%.2f×**", rp.best->deliveries_s / base.best->deliveries_s);
    }
    PrintRow(label, rp, ratio);
  }
  return 0;
}
