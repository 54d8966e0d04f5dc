#include "ingest/marker_feed.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/notification>

#include "shopcast/log/log.h"
#include "shopcast/status/status.h"
#include "shopcast/timing/backoff.h"
#include "streams/store/sql.h"

namespace shopcast::video_ingest {
namespace {

using Clock = std::chrono::steady_clock;

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::string& channel)
      : pqxx::notification_receiver(conn, channel) {}
  void operator()(const std::string&, int) override {}  // get_notifs() counts them
};

// The LISTEN session: a connection of its own, outside any transaction.
struct Listener {
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<Receiver> receiver;  // Destroyed before the connection.
  ~Listener() { receiver.reset(); }
};

std::unique_ptr<Listener> Listen(const std::string& dsn) {
  auto l = std::make_unique<Listener>();
  l->conn = std::make_unique<pqxx::connection>(dsn);
  {
    pqxx::nontransaction tx(*l->conn);
    tx.exec0("SET application_name = 'shopcast-video-ingest-markers'");
  }
  l->receiver = std::make_unique<Receiver>(*l->conn, streams::sql::kMarkerChannel);
  return l;
}

}  // namespace

media::DateRange DateRangeOf(const streams::Marker& m) {
  media::DateRange r;
  r.id = m.marker_id;
  r.class_name = streams::MarkerClass(m.kind);
  r.start = m.starts_at;
  if (m.ends_at) {
    r.end = *m.ends_at;
  } else {
    r.duration = absl::ZeroDuration();  // RFC 8216bis: an instant has a duration of 0
  }
  for (const streams::MarkerAttribute& a : m.attributes) {
    r.attributes.push_back(a.number ? media::DateRangeAttribute::Number(a.name, *a.number)
                                    : media::DateRangeAttribute::Text(a.name, a.text));
  }
  return r;
}

MarkerFeed::MarkerFeed(MarkerFeedOptions options, streams::MarkerSource& source, HeldPlaylists held,
                       prometheus::Registry* registry)
    : options_(std::move(options)),
      source_(source),
      held_(std::move(held)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (registry == nullptr) return;
  shown_ = &prometheus::BuildCounter()
                .Name("ingest_markers_shown_total")
                .Help("Stream markers written into a live playlist as EXT-X-DATERANGE, by kind")
                .Register(*registry);
  lag_ = &prometheus::BuildHistogram()
              .Name("ingest_marker_lag_seconds")
              .Help("From the producer's event to the marker in the live playlist")
              .Register(*registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                               2.5, 5, 10, 30});
  read_failures_ = &prometheus::BuildCounter()
                        .Name("ingest_marker_reads_failed_total")
                        .Help("Rounds of the marker feed that could not read the database")
                        .Register(*registry)
                        .Add({});
  listening_gauge_ = &prometheus::BuildGauge()
                          .Name("ingest_marker_listen_connected")
                          .Help("1 while the marker feed's LISTEN session is open")
                          .Register(*registry)
                          .Add({});
}

MarkerFeed::~MarkerFeed() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

absl::StatusOr<int> MarkerFeed::RunOnce() {
  absl::MutexLock round(&mu_);
  const auto held = held_();
  std::map<std::string, std::shared_ptr<media::LivePlaylist>> playlists(held.begin(), held.end());
  // Streams no longer written here: forget what they were given (a later session here has a
  // playlist that has seen none of it).
  for (auto it = handed_.begin(); it != handed_.end();) {
    it = playlists.count(it->first) ? std::next(it) : handed_.erase(it);
  }
  if (playlists.empty()) return 0;
  std::vector<std::string> ids;
  for (const auto& [id, playlist] : playlists) ids.push_back(id);
  const absl::Time since = options_.now() - options_.horizon;
  absl::StatusOr<std::vector<streams::Marker>> markers = source_.Applying(ids, since);
  if (!markers.ok()) {
    if (read_failures_ != nullptr) read_failures_->Increment();
    return markers.status();
  }
  int added = 0;
  for (const streams::Marker& m : *markers) {
    auto playlist = playlists.find(m.stream_id);
    if (playlist == playlists.end()) continue;
    std::map<std::string, absl::Time>& handed = handed_[m.stream_id];
    if (handed.count(m.marker_id)) continue;
    media::DateRange range = DateRangeOf(m);
    handed[m.marker_id] = range.LastMoment();
    absl::StatusOr<bool> written = playlist->second->AddDateRange(std::move(range));
    if (!written.ok()) {
      // Refused (a range we cannot write) or the playlist has ended: nothing to retry. A
      // failed write leaves the range in the playlist for its next write.
      log::Warn("stream_marker_not_shown")
          .Kv("marker_id", m.marker_id)
          .Kv("stream_id", m.stream_id)
          .Kv("reason", std::string(ReasonOf(written.status())));
      continue;
    }
    if (!*written) continue;  // held until the first segment, or already there
    ++added;
    const absl::Time now = options_.now();
    if (shown_ != nullptr) shown_->Add({{"kind", m.kind}}).Increment();
    if (lag_ != nullptr) lag_->Observe(std::max(0.0, absl::ToDoubleSeconds(now - m.occurred_at)));
    log::Info("stream_marker_shown")
        .Kv("marker_id", m.marker_id)
        .Kv("stream_id", m.stream_id)
        .Kv("kind", m.kind)
        .Kv("lag_ms", absl::ToInt64Milliseconds(now - m.occurred_at));
  }
  // What the read can no longer return need not be remembered.
  for (auto& [stream, handed] : handed_) {
    std::erase_if(handed, [&](const auto& entry) { return entry.second < since; });
  }
  return added;
}

void MarkerFeed::Start() {
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&wake_mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void MarkerFeed::Stop() {
  {
    absl::MutexLock lock(&wake_mu_);
    stopping_ = true;
  }
  Wake();
  if (thread_.joinable()) thread_.join();
}

void MarkerFeed::Wake() {
  {
    absl::MutexLock lock(&wake_mu_);
    woken_ = true;
  }
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
}

bool MarkerFeed::listening() const {
  absl::MutexLock lock(&wake_mu_);
  return listening_;
}

void MarkerFeed::Loop() {
  const timing::BackoffPolicy backoff{options_.listen_min_backoff, options_.listen_max_backoff};
  std::unique_ptr<Listener> listener;
  int failures = 0;
  Clock::time_point next_connect = Clock::now();
  Clock::time_point next_round = Clock::now();
  Clock::time_point next_purge = Clock::now() + absl::ToChronoNanoseconds(options_.purge_interval);
  auto set_listening = [&](bool on) {
    absl::MutexLock lock(&wake_mu_);
    listening_ = on;
    if (listening_gauge_ != nullptr) listening_gauge_->Set(on ? 1 : 0);
  };
  while (true) {
    bool round_due = false;
    {
      absl::MutexLock lock(&wake_mu_);
      if (stopping_) break;
      round_due = std::exchange(woken_, false);
    }
    if (listener == nullptr && !options_.listen_dsn.empty() && Clock::now() >= next_connect) {
      try {
        listener = Listen(options_.listen_dsn);
        failures = 0;
        set_listening(true);
        round_due = true;  // what was committed while we were not listening
      } catch (const std::exception&) {
        // libpq's message can name the host and more of the DSN: not repeated.
        ++failures;
        log::Warn("stream_marker_listen_failed").Kv("failures", failures);
        next_connect =
            Clock::now() + absl::ToChronoNanoseconds(timing::JitteredBackoff(backoff, failures));
      }
    }
    if (round_due || Clock::now() >= next_round) {
      absl::StatusOr<int> round = RunOnce();
      if (!round.ok()) {
        log::Warn("stream_marker_read_failed").Kv("status", round.status().ToString());
      }
      next_round = Clock::now() + absl::ToChronoNanoseconds(listener != nullptr
                                                                ? options_.poll_interval_listening
                                                                : options_.poll_interval);
    }
    if (Clock::now() >= next_purge) {
      absl::StatusOr<int> purged = source_.PurgeEndedBefore(options_.now() - options_.retain);
      if (!purged.ok()) {
        log::Warn("stream_marker_purge_failed").Kv("status", purged.status().ToString());
      } else if (*purged > 0) {
        log::Info("stream_markers_purged").Kv("count", *purged);
      }
      next_purge = Clock::now() + absl::ToChronoNanoseconds(options_.purge_interval);
    }

    // Wait for a notification, Wake() (its eventfd), the next poll or the next connection
    // attempt. Without an eventfd, Wake() is noticed within 50 ms.
    Clock::time_point until = next_round;
    if (listener == nullptr && !options_.listen_dsn.empty()) until = std::min(until, next_connect);
    if (wake_fd_ < 0) until = std::min(until, Clock::now() + std::chrono::milliseconds(50));
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
    pollfd fds[2];
    int count = 0;
    int wake_index = -1;
    if (wake_fd_ >= 0) {
      wake_index = count;
      fds[count++] = pollfd{wake_fd_, POLLIN, 0};
    }
    int conn_index = -1;
    if (listener != nullptr && listener->conn->sock() >= 0) {
      conn_index = count;
      fds[count++] = pollfd{listener->conn->sock(), POLLIN, 0};
    }
    (void)::poll(fds, count, static_cast<int>(std::max<int64_t>(0, wait.count())));
    if (wake_index >= 0 && fds[wake_index].revents != 0) {
      uint64_t ignored;
      (void)!::read(wake_fd_, &ignored, sizeof ignored);  // re-arms it; the flag says why
    }
    if (conn_index >= 0 && fds[conn_index].revents != 0) {
      int notified = 0;
      bool lost = false;
      try {
        notified = listener->conn->get_notifs();
        lost = !listener->conn->is_open();
      } catch (const std::exception&) {
        lost = true;
      }
      if (lost) {
        listener.reset();
        set_listening(false);
        ++failures;
        log::Warn("stream_marker_listen_lost");
        next_connect =
            Clock::now() + absl::ToChronoNanoseconds(timing::JitteredBackoff(backoff, failures));
        next_round = Clock::now();  // poll meanwhile
      } else if (notified > 0) {
        absl::MutexLock lock(&wake_mu_);
        woken_ = true;
      }
    }
  }
  listener.reset();
  set_listening(false);
}

}  // namespace shopcast::video_ingest
