#include "shopcast/events/relay.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <pqxx/binarystring>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/transaction.h"
#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"
#include "shopcast/timing/backoff.h"

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

inline constexpr std::string_view kPurge = R"~(
DELETE FROM outbox WHERE id IN (
  SELECT id FROM outbox
  WHERE delivered_at IS NOT NULL AND delivered_at < now() - $1 * interval '1 microsecond'
  LIMIT 10000))~";

std::string PgArray(const std::vector<int64_t>& v) {
  return absl::StrCat("{", absl::StrJoin(v, ","), "}");
}

// last_error is for operators reading the table; keep it short.
std::string Truncate(std::string s) {
  constexpr size_t kMax = 500;
  if (s.size() > kMax) s.resize(kMax);
  return s;
}

}  // namespace

Relay::Relay(db::Pool& pool, std::map<std::string, Sink*> sinks_by_destination, RelayOptions opts)
    : pool_(pool), sinks_(std::move(sinks_by_destination)), opts_(std::move(opts)) {}

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

absl::StatusOr<int> Relay::DeliverBatch(const std::string& destination, Sink& sink) {
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
  // fails, the claim expires and the rows go out again (at least once; consumers dedupe).
  absl::StatusOr<int> marked = db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<int> {
    int n = 0;
    if (!delivered.empty()) {
      n = static_cast<int>(
          tx.exec_params0(std::string(kMarkDelivered), PgArray(delivered), token).affected_rows());
    }
    if (!retry_ids.empty()) {
      tx.exec_params0(std::string(kReschedule), PgArray(retry_ids), PgArray(retry_delays_us),
                      failure, token);
    }
    if (!parked_ids.empty()) {
      tx.exec_params0(std::string(kReschedule), PgArray(parked_ids), PgArray(parked_delays_us),
                      std::string("payload is not a decodable shopcast.common.v1.Event"), token);
    }
    return n;
  });
  if (!marked.ok()) return marked.status();
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
  int delivered = 0;
  absl::Status first_error;
  for (const auto& [destination, sink] : sinks_) {
    absl::StatusOr<int> n = DeliverBatch(destination, *sink);
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
  thread_.join();
}

void Relay::Loop() {
  absl::Time next_purge = absl::Now();
  auto report = [this](const absl::Status& s) {
    if (opts_.on_error) opts_.on_error(s);
  };
  while (true) {
    absl::StatusOr<int> n = RunOnce();
    if (!n.ok()) report(n.status());
    if (absl::Now() >= next_purge) {
      absl::StatusOr<int> purged = PurgeDelivered(opts_.retain_delivered);
      if (!purged.ok()) report(purged.status());
      next_purge = absl::Now() + opts_.purge_interval;
    }
    const bool busy = n.ok() && *n > 0;
    absl::MutexLock lock(&mu_);
    if (busy) {
      if (stopping_) return;
      continue;
    }
    // Sleeps for poll_interval unless Stop() comes first.
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), opts_.poll_interval)) return;
  }
}

}  // namespace shopcast::events
