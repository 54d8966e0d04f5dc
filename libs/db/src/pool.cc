#include "shopcast/db/pool.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cassert>
#include <cstdint>
#include <exception>
#include <limits>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <utility>

#include "shopcast/db/errors.h"
#include "shopcast/status/status.h"

namespace shopcast::db {
namespace {

// An idle connection has nothing to read: pooled sessions don't LISTEN. Readable means the
// server sent something unprompted, in practice the FATAL before it closes the session
// (pg_terminate_backend, restart, idle timeout), so the connection is not worth handing out.
bool LooksDead(const pqxx::connection& conn) {
  if (!conn.is_open()) return true;
  const int fd = conn.sock();
  if (fd < 0) return true;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

}  // namespace

Pool::Lease::Lease(Pool* pool, std::unique_ptr<pqxx::connection> conn)
    : pool_(pool), conn_(std::move(conn)) {}

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)),
      broken_(other.broken_) {}

Pool::Lease& Pool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
    broken_ = other.broken_;
  }
  return *this;
}

Pool::Lease::~Lease() { Release(); }

void Pool::Lease::Release() {
  if (pool_ == nullptr || conn_ == nullptr) return;
  const bool broken = broken_ || !conn_->is_open();
  std::exchange(pool_, nullptr)->Return(std::move(conn_), broken);
}

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions options) {
  if (options.size < 1) {
    return InvalidArgument("size", "DB_POOL_INVALID", "pool size must be at least 1");
  }
  if (options.dsn.empty()) {
    return InvalidArgument("dsn", "DB_POOL_INVALID", "database DSN is empty");
  }
  // Catch a malformed DSN now rather than as "unreachable" later; libpq's message may quote
  // the DSN (and its password), so it is dropped.
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.dsn.c_str(), &err);
  if (parsed == nullptr) {
    if (err != nullptr) PQfreemem(err);
    return InvalidArgument("dsn", "DB_POOL_INVALID", "database DSN is malformed");
  }
  PQconninfoFree(parsed);
  return std::unique_ptr<Pool>(new Pool(std::move(options)));
}

Pool::Pool(PoolOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : timing::SteadyClock::Real()) {}

Pool::~Pool() {
  std::lock_guard<std::mutex> lock(mu_);
  assert(in_use_ == 0 && "a Pool::Lease outlived its Pool");
  idle_.clear();
}

int Pool::in_use() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_use_;
}

int Pool::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Open() const {
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(options_.dsn);
  } catch (const std::exception&) {
    // The message names host and port, sometimes more of the DSN: not repeated here.
    return Error(absl::StatusCode::kUnavailable, kReasonUnreachable,
                 "cannot open a database connection");
  }
  try {
    // Verbose errors carry the constraint name that MapDbException reports (see errors.cc).
    conn->set_verbosity(pqxx::connection_base::verbose);
    if (!options_.application_name.empty()) {
      pqxx::nontransaction tx(*conn);
      tx.exec0("SET application_name = " + tx.quote(options_.application_name));
    }
    // Prepared now, not at first use, so a statement the schema rejects fails readiness.
    for (const auto& [name, sql] : options_.prepared) {
      conn->prepare(name, sql);
      conn->prepare_now(name);
    }
  } catch (const std::exception& e) {
    return MapDbException(e);
  }
  return conn;
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  const timing::SteadyClock::TimePoint deadline =
      clock_.Now() + timing::ToSteady(options_.acquire_timeout);
  while (true) {
    std::unique_ptr<pqxx::connection> conn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (idle_.empty() && open_ >= options_.size) {
        if (!clock_.WaitUntil(freed_, lock, deadline) && idle_.empty() && open_ >= options_.size) {
          return Error(absl::StatusCode::kUnavailable, kReasonPoolExhausted,
                       "no database connection became free in time");
        }
      }
      ++in_use_;
      if (idle_.empty()) {
        ++open_;  // Reserve the slot; the connection is opened outside the lock.
      } else {
        conn = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (conn == nullptr) {
      absl::StatusOr<std::unique_ptr<pqxx::connection>> opened = Open();
      if (!opened.ok()) {
        Return(nullptr, /*broken=*/true);
        return opened.status();
      }
      return Lease(this, std::move(*opened));
    }
    if (!LooksDead(*conn)) return Lease(this, std::move(conn));
    Return(std::move(conn), /*broken=*/true);  // Frees the slot; the next turn reopens it.
  }
}

void Pool::Return(std::unique_ptr<pqxx::connection> conn, bool broken) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_use_;
    if (broken) {
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
    freed_.notify_one();
  }
  // A discarded connection (if any) is closed here, outside the lock.
}

void Pool::NoteAnswered() {
  answered_at_.store(clock_.Now().time_since_epoch().count(), std::memory_order_relaxed);
}

absl::Status Pool::Ping(absl::Duration answered_within) {
  if (answered_within > absl::ZeroDuration()) {
    const int64_t at = answered_at_.load(std::memory_order_relaxed);
    const timing::SteadyClock::TimePoint now = clock_.Now();
    if (at != std::numeric_limits<int64_t>::min() &&
        now - timing::SteadyClock::TimePoint(timing::SteadyClock::TimePoint::duration(at)) <
            absl::ToChronoNanoseconds(answered_within)) {
      return absl::OkStatus();
    }
  }
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) {
    return ReasonOf(lease.status()) == kReasonPoolExhausted ? absl::OkStatus() : lease.status();
  }
  try {
    pqxx::nontransaction tx(**lease);
    tx.exec1("SELECT 1");
  } catch (const std::exception& e) {
    lease->MarkBroken();
    return MapDbException(e);
  }
  return absl::OkStatus();
}

}  // namespace shopcast::db
