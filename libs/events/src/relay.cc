#include "shopcast/events/relay.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <pqxx/binarystring>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "outbox_listener.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/timing/backoff.h"
#include "shopcast/timing/clock.h"

namespace shopcast::events {
namespace {

// First key of the per-destination advisory lock (two-int form; the second is the hash of the
// destination). "obox" in ASCII.
constexpr int32_t kRelayLockClass = 0x6f626f78;

inline constexpr std::string_view kLockDestination = R"~(
SELECT pg_try_advisory_xact_lock($1, hashtext($2)))~";

// Someone holds an unexpired claim on this destination's rows: a delivery is in flight.
inline constexpr std::string_view kClaimHeld = R"~(
SELECT EXISTS (
  SELECT 1 FROM outbox
  WHERE destination = $1 AND delivered_at IS NULL AND claimed_until IS NOT NULL
    AND claimed_until > now()))~";

// Claims the rows due now, in id order, except those behind an earlier row of the same
// aggregate that is waiting out a backoff (it would otherwise be overtaken).
inline constexpr std::string_view kClaim = R"~(
WITH due AS (
  SELECT o.id
  FROM outbox o
  WHERE o.destination = $1 AND o.delivered_at IS NULL AND o.next_attempt_at <= now()
    AND NOT EXISTS (
      SELECT 1 FROM outbox p
      WHERE p.destination = o.destination AND p.aggregate_id = o.aggregate_id
        AND p.delivered_at IS NULL AND p.id < o.id AND p.next_attempt_at > now())
  ORDER BY o.id
  LIMIT $2
  FOR UPDATE)
UPDATE outbox o
SET claim_token = $3, claimed_until = now() + $4 * interval '1 microsecond'
FROM due
WHERE o.id = due.id
RETURNING o.id, o.event_id, o.payload, o.attempts)~";

// The claim holder's heartbeat while its sink works: the claim stays short (a holder that died
// frees the destination within claim_ttl) yet outlives a slow delivery.
inline constexpr std::string_view kRenewClaim = R"~(
UPDATE outbox
SET claimed_until = now() + $3 * interval '1 microsecond'
WHERE destination = $1 AND claim_token = $2 AND delivered_at IS NULL
  AND claimed_until IS NOT NULL)~";

// Only rows still under this claim: if it expired and another relay took the rows over, that
// relay decides what becomes of them.
inline constexpr std::string_view kMarkDelivered = R"~(
UPDATE outbox
SET delivered_at = now(), last_error = NULL, claim_token = NULL, claimed_until = NULL
WHERE id = ANY($1::bigint[]) AND claim_token = $2)~";

inline constexpr std::string_view kReschedule = R"~(
UPDATE outbox o
SET attempts = o.attempts + 1,
    next_attempt_at = now() + r.delay_us * interval '1 microsecond',
    last_error = $3,
    claim_token = NULL,
    claimed_until = NULL
FROM unnest($1::bigint[], $2::bigint[]) AS r(id, delay_us)
WHERE o.id = r.id AND o.claim_token = $4)~";

// Per destination, in one pass over the pending index: undelivered rows (due, backing off or in
// flight) and the age of the oldest, by the database's clock.
inline constexpr std::string_view kBacklog = R"~(
SELECT d.destination, count(o.id),
       COALESCE(EXTRACT(EPOCH FROM now() - min(o.created_at)), 0)
FROM unnest($1::text[]) AS d(destination)
LEFT JOIN outbox o ON o.destination = d.destination AND o.delivered_at IS NULL
GROUP BY d.destination)~";

inline constexpr std::string_view kPurge = R"~(
DELETE FROM outbox WHERE id IN (
  SELECT id FROM outbox
  WHERE delivered_at IS NOT NULL AND delivered_at < now() - $1 * interval '1 microsecond'
  LIMIT 10000))~";


// Shown in pg_stat_activity for the relay's LISTEN session, after the pool's own name.
std::string ListenApplicationName(const db::PoolOptions& pool) {
  return pool.application_name.empty() ? std::string("outbox-listen")
                                       : pool.application_name + "-outbox-listen";
}

// Under a steady stream of rounds that deliver something, the backlog gauges are still
// refreshed this often (after an idle round they always are).
constexpr absl::Duration kBusyMetricsInterval = absl::Seconds(1);

// last_error is for operators reading the table; keep it short.
std::string Truncate(std::string s) {
  constexpr size_t kMax = 500;
  if (s.size() > kMax) s.resize(kMax);
  return s;
}

// Renews a claim every claim_ttl/3 from its own thread for as long as it lives (the sink's
// call). A renewal that fails (the database went away) is retried at the next beat; if the
// claim lapses meanwhile, another relay may take the rows over and the late marks touch
// nothing (OUTBOX_CLAIM_LOST): duplicates, as after any lost claim, never a lost row.
class ClaimKeeper {
 public:
  ClaimKeeper(db::Pool& pool, const std::string& destination, const std::string& token,
              absl::Duration ttl)
      : pool_(pool), destination_(destination), token_(token), ttl_(ttl) {
    thread_ = std::thread([this] { Run(); });
  }
  ~ClaimKeeper() {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    thread_.join();
  }
  ClaimKeeper(const ClaimKeeper&) = delete;
  ClaimKeeper& operator=(const ClaimKeeper&) = delete;

 private:
  void Run() {
    const absl::Duration every = std::max(ttl_ / 3, absl::Milliseconds(10));
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&done_), every)) return;  // The call ended.
      }
      const absl::StatusOr<int> renewed =
          db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
            return static_cast<int>(tx.exec_params0(std::string(kRenewClaim), destination_, token_,
                                                    absl::ToInt64Microseconds(ttl_))
                                        .affected_rows());
          });
      // Nothing left under the token: the claim lapsed and was taken over; stop beating.
      if (renewed.ok() && *renewed == 0) return;
    }
  }

  db::Pool& pool_;
  const std::string destination_;
  const std::string token_;
  const absl::Duration ttl_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace

Relay::Relay(db::Pool& pool, std::map<std::string, Sink*> sinks_by_destination, RelayOptions opts)
    : pool_(pool),
      sinks_(std::move(sinks_by_destination)),
      opts_(std::move(opts)),
      listener_(std::make_unique<OutboxListener>(pool.options().dsn,
                                                 ListenApplicationName(pool.options()))) {
  if (opts_.metrics == nullptr) return;
  auto& pending = prometheus::BuildGauge()
                      .Name("shopcast_outbox_pending")
                      .Help(
                          "Outbox rows not yet delivered to the destination (due, backing off "
                          "or in flight).")
                      .Register(*opts_.metrics);
  auto& age = prometheus::BuildGauge()
                  .Name("shopcast_outbox_oldest_pending_age_seconds")
                  .Help("Age of the destination's oldest undelivered outbox row; 0 when none.")
                  .Register(*opts_.metrics);
  auto& delivered = prometheus::BuildCounter()
                        .Name("shopcast_outbox_deliveries_total")
                        .Help(
                            "Outbox rows delivered to the destination (accepted by its sink "
                            "and marked delivered).")
                        .Register(*opts_.metrics);
  auto& failed = prometheus::BuildCounter()
                     .Name("shopcast_outbox_delivery_failures_total")
                     .Help(
                         "Outbox rows whose delivery attempt failed (refused or not accepted "
                         "by the sink, undecodable, or not recorded); they are retried.")
                     .Register(*opts_.metrics);
  for (const auto& [destination, sink] : sinks_) {
    const prometheus::Labels labels{{"destination", destination}};
    metrics_[destination] = DestinationMetrics{&pending.Add(labels), &age.Add(labels),
                                               &delivered.Add(labels), &failed.Add(labels)};
  }
}

Relay::~Relay() { Stop(); }

absl::Duration Relay::Backoff(int attempts) const {
  return timing::JitteredBackoff({opts_.min_backoff, opts_.max_backoff}, attempts);
}

absl::StatusOr<std::vector<Relay::Claimed>> Relay::Claim(const std::string& destination,
                                                         const std::string& token) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<std::vector<Claimed>> {
    // The advisory lock makes check-then-claim atomic between relays; it ends with this
    // short transaction, and the claim itself keeps others off until it is released.
    if (!tx.exec_params1(std::string(kLockDestination), kRelayLockClass, destination)[0]
             .as<bool>() ||
        tx.exec_params1(std::string(kClaimHeld), destination)[0].as<bool>()) {
      return std::vector<Claimed>();  // Another relay is on this destination right now.
    }
    const pqxx::result rows =
        tx.exec_params(std::string(kClaim), destination, std::max(1, opts_.batch), token,
                       absl::ToInt64Microseconds(opts_.claim_ttl));
    std::vector<Claimed> claimed;
    for (const auto& row : rows) {
      const pqxx::binarystring payload(row[2]);
      claimed.push_back(
          Claimed{row[0].as<int64_t>(), row[1].as<std::string>(), row[3].as<int>(), payload.str()});
    }
    std::sort(claimed.begin(), claimed.end(),
              [](const Claimed& a, const Claimed& b) { return a.row_id < b.row_id; });
    return claimed;
  });
}

absl::StatusOr<int> Relay::Record(const Answer& a) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    int n = 0;
    if (!a.delivered.empty()) {
      n = static_cast<int>(
          tx.exec_params0(std::string(kMarkDelivered), db::IntArray(a.delivered), a.token)
              .affected_rows());
    }
    if (!a.retry_ids.empty()) {
      tx.exec_params0(std::string(kReschedule), db::IntArray(a.retry_ids),
                      db::IntArray(a.retry_delays_us), a.failure, a.token);
    }
    if (!a.parked_ids.empty()) {
      tx.exec_params0(std::string(kReschedule), db::IntArray(a.parked_ids),
                      db::IntArray(a.parked_delays_us),
                      std::string("payload is not a decodable shopcast.common.v1.Event"), a.token);
    }
    return n;
  });
}

absl::StatusOr<int> Relay::DeliverBatch(const std::string& destination, Sink& sink,
                                        absl::Duration* soonest_retry) {
  // What the last round could not record goes in first (the claim is still ours unless it
  // expired meanwhile, and then the marks touch nothing and the rows go out again).
  std::optional<Answer> left;
  {
    absl::MutexLock lock(&unrecorded_mu_);
    if (auto it = unrecorded_.find(destination); it != unrecorded_.end()) left = it->second;
  }
  if (left) {
    absl::StatusOr<int> recorded = Record(*left);
    if (!recorded.ok()) return recorded.status();
    absl::MutexLock lock(&unrecorded_mu_);
    unrecorded_.erase(destination);
  }
  const std::string token = ids::NewUniqueId("claim");
  ASSIGN_OR_RETURN(std::vector<Claimed> claimed, Claim(destination, token));
  if (claimed.empty()) return 0;

  // No transaction is open and no connection is held while the sink works: the claim keeps
  // other relays off these rows (and this destination) until it is released or expires.
  std::vector<shopcast::common::v1::Event> events;
  std::vector<const Claimed*> sent;  // Parallel to `events`.
  std::vector<const Claimed*>
      undecodable;  // Never deliverable; kept (and retried) for an operator.
  for (const Claimed& c : claimed) {
    shopcast::common::v1::Event event;
    if (!event.ParseFromString(c.payload)) {
      undecodable.push_back(&c);
      continue;
    }
    events.push_back(std::move(event));
    sent.push_back(&c);
  }
  absl::StatusOr<std::vector<std::string>> accepted = std::vector<std::string>();
  if (!events.empty()) {
    try {
      // The claim is kept alive while the sink works, and only then.
      ClaimKeeper keeper(pool_, destination, token, opts_.claim_ttl);
      accepted = sink.Deliver(events);
    } catch (const std::exception& e) {
      accepted = Error(absl::StatusCode::kInternal, "EVENT_SINK_FAILED",
                       absl::StrCat("event sink threw: ", e.what()));
    }
  }
  const std::set<std::string> ok_ids =
      accepted.ok() ? std::set<std::string>(accepted->begin(), accepted->end())
                    : std::set<std::string>();
  const std::string failure = accepted.ok() ? std::string("not accepted by the sink")
                                            : Truncate(accepted.status().ToString());

  std::vector<int64_t> delivered;
  std::vector<int64_t> retry_ids;
  std::vector<int64_t> retry_delays_us;
  for (const Claimed* c : sent) {
    if (ok_ids.count(c->event_id) != 0) {
      delivered.push_back(c->row_id);
    } else {
      retry_ids.push_back(c->row_id);
      retry_delays_us.push_back(absl::ToInt64Microseconds(Backoff(c->attempts + 1)));
    }
  }
  std::vector<int64_t> parked_ids, parked_delays_us;
  for (const Claimed* c : undecodable) {
    parked_ids.push_back(c->row_id);
    parked_delays_us.push_back(absl::ToInt64Microseconds(opts_.max_backoff));
  }

  // The second short transaction: the sink's answer is recorded and the claim released. If it
  // fails (the database went away), this relay records it on the destination's next round; if
  // the process dies first, the claim expires and the rows go out again (at least once;
  // consumers dedupe).
  Answer answer{token,   delivered,  retry_ids,       retry_delays_us,
                failure, parked_ids, parked_delays_us};
  absl::StatusOr<int> marked = Record(answer);
  if (!marked.ok()) {
    absl::MutexLock lock(&unrecorded_mu_);
    unrecorded_[destination] = std::move(answer);
  }
  if (auto m = metrics_.find(destination); m != metrics_.end()) {
    // Rows not marked delivered go out again, whatever stopped them.
    const int recorded = marked.ok() ? *marked : 0;
    m->second.delivered->Increment(recorded);
    m->second.failed->Increment(static_cast<double>(claimed.size()) - recorded);
  }
  if (!marked.ok()) return marked.status();
  // (Parked rows are left to the poll: they wait for an operator.)
  for (const int64_t us : retry_delays_us) {
    *soonest_retry = std::min(*soonest_retry, absl::Microseconds(us));
  }
  // The failure is reported (the rows are rescheduled either way) so that it gets logged.
  if (!accepted.ok()) return accepted.status();
  if (*marked < static_cast<int>(delivered.size())) {
    return Error(absl::StatusCode::kAborted, "OUTBOX_CLAIM_LOST",
                 absl::StrCat(delivered.size() - static_cast<size_t>(*marked),
                              " delivered rows were claimed by another relay before they could be "
                              "marked (claim_ttl shorter than the delivery?); they go out again"));
  }
  return *marked;
}

absl::StatusOr<int> Relay::RunOnce() {
  absl::Duration ignored = absl::InfiniteDuration();
  return RunRound(&ignored);
}

absl::StatusOr<int> Relay::RunRound(absl::Duration* soonest_retry) {
  int delivered = 0;
  absl::Status first_error;
  for (const auto& [destination, sink] : sinks_) {
    absl::StatusOr<int> n = DeliverBatch(destination, *sink, soonest_retry);
    if (n.ok()) {
      delivered += *n;
    } else if (first_error.ok()) {
      first_error = Error(n.status().code(), ReasonOf(n.status()),
                          absl::StrCat("relay to ", destination, ": ", n.status().message()));
    }
  }
  if (!first_error.ok()) return first_error;
  return delivered;
}

absl::StatusOr<int> Relay::PurgeDelivered(absl::Duration older_than) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    return static_cast<int>(
        tx.exec_params0(std::string(kPurge), absl::ToInt64Microseconds(older_than))
            .affected_rows());
  });
}

absl::Status Relay::RefreshBacklogMetrics() {
  std::vector<std::string> destinations;
  for (const auto& [destination, m] : metrics_) destinations.push_back(destination);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::Status {
    for (const auto& row : tx.exec_params(std::string(kBacklog), db::TextArray(destinations))) {
      auto m = metrics_.find(row[0].as<std::string>());
      if (m == metrics_.end()) continue;
      m->second.pending->Set(row[1].as<double>());
      m->second.oldest_pending_age->Set(std::max(0.0, row[2].as<double>()));
    }
    return absl::OkStatus();
  });
}

void Relay::Start() {
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void Relay::Stop() {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  listener_->Interrupt();  // Ends the wait between rounds at once.
  thread_.join();
}

bool Relay::Stopping() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void Relay::Loop() {
  using Clock = timing::SteadyClock;
  const Clock& clock = Clock::Real();
  auto report = [this](const absl::Status& s) {
    if (opts_.on_error) opts_.on_error(s);
  };
  Clock::TimePoint next_purge = clock.Now();
  Clock::TimePoint next_metrics = clock.Now();
  Clock::TimePoint next_listen = clock.Now();  // When to (re)open the wake-up session.
  int listen_failures = 0;
  auto listen_lost = [&](const absl::Status& s) {
    report(s);
    listen_failures = 1;
    next_listen = clock.Now() + timing::ToSteady(timing::JitteredBackoff(
                                    {opts_.listen_min_backoff, opts_.listen_max_backoff}, 1));
  };
  while (true) {
    if (!listener_->connected() && clock.Now() >= next_listen) {
      // Opened before the round, so that a commit during the round is not missed; the round
      // then covers whatever was committed while the session was down.
      if (absl::Status s = listener_->Connect(); s.ok()) {
        listen_failures = 0;
      } else {
        report(s);
        next_listen = clock.Now() +
                      timing::ToSteady(timing::JitteredBackoff(
                          {opts_.listen_min_backoff, opts_.listen_max_backoff}, ++listen_failures));
      }
    }
    // Notifications that came in up to now are answered by this round.
    if (absl::StatusOr<int> drained = listener_->Drain(); !drained.ok()) {
      listen_lost(drained.status());
    }

    absl::Duration soonest_retry = absl::InfiniteDuration();
    absl::StatusOr<int> n = RunRound(&soonest_retry);
    if (!n.ok()) report(n.status());
    if (clock.Now() >= next_purge) {
      absl::StatusOr<int> purged = PurgeDelivered(opts_.retain_delivered);
      if (!purged.ok()) report(purged.status());
      next_purge = clock.Now() + timing::ToSteady(opts_.purge_interval);
    }
    const bool busy = n.ok() && *n > 0;
    if (!metrics_.empty() && (!busy || clock.Now() >= next_metrics)) {
      // A database that failed the round fails this too: reported once.
      if (absl::Status s = RefreshBacklogMetrics(); !s.ok() && n.ok()) report(s);
      next_metrics = clock.Now() + timing::ToSteady(kBusyMetricsInterval);
    }
    if (Stopping()) break;
    if (busy) continue;

    // Counted from now, after the round: by then the rows it rescheduled are due by the
    // database's clock too, their delay having run from the start of the marking transaction.
    Clock::TimePoint deadline =
        clock.Now() + timing::ToSteady(std::min(opts_.poll_interval, soonest_retry));
    if (!listener_->connected()) deadline = std::min(deadline, next_listen);
    if (listener_->Wait(deadline) == OutboxListener::Woken::kLost) {
      listen_lost(ListenLostError());
    }
    if (Stopping()) break;
  }
  // Stopped means no session left behind either.
  listener_->Disconnect();
}

}  // namespace shopcast::events
