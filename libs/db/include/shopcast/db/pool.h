#pragma once

// A bounded, thread-safe pool of libpqxx connections to one database.
//
// Connections are opened lazily, up to `size`; Acquire() blocks up to `acquire_timeout` for a
// free one. A lease returns its connection on destruction; a connection found broken (closed by
// the server, or marked by the holder) is discarded and its slot reopened on demand. The DSN is
// never logged nor put into a status message.

#include <atomic>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/timing/clock.h"

namespace shopcast::db {

struct PoolOptions {
  std::string dsn;
  int size = 8;
  absl::Duration acquire_timeout = absl::Seconds(5);
  // (name, sql) prepared on every connection when it is opened.
  std::vector<std::pair<std::string, std::string>> prepared;
  // Shown in pg_stat_activity; empty leaves the server default.
  std::string application_name;
  // Measures acquire_timeout; nullptr is the real steady clock (tests pass a fake). Outlives
  // the pool.
  const timing::SteadyClock* clock = nullptr;
};

class Pool {
 public:
  // Exclusive use of one pooled connection until destroyed (or moved from).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }

    // Discards the connection instead of returning it (e.g. after a broken_connection).
    void MarkBroken() { broken_ = true; }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> conn);
    void Release();

    Pool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  // INVALID_ARGUMENT if the options are unusable (empty or malformed DSN, size < 1). Opens no
  // connection: use Ping() to check the database is reachable.
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolOptions options);

  // Every lease must be destroyed before the pool.
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection; UNAVAILABLE DB_POOL_EXHAUSTED when none frees up within acquire_timeout,
  // UNAVAILABLE DB_UNREACHABLE when a new connection can't be opened, INTERNAL when a prepared
  // statement is rejected by the server.
  absl::StatusOr<Lease> Acquire();

  // OK when `SELECT 1` succeeds on a pooled connection (readiness probe). Also OK when every
  // connection is in use: the database answers, the service is busy, and turning a busy
  // replica unready would only push its load onto the others. With `answered_within`, also OK
  // at once, without a probe, when the database answered this pool's work within that long
  // (NoteAnswered): a replica busy with the database needs no probe of its own.
  absl::Status Ping(absl::Duration answered_within = absl::ZeroDuration());
  // The database just answered work on a pooled connection (a committed transaction, an
  // autocommit call that succeeded): InTransaction and InAutocommit call it.
  void NoteAnswered();

  // What the pool was created with, e.g. to open a dedicated session outside the pool (a
  // LISTEN connection). The DSN in it may hold a password: never log it.
  const PoolOptions& options() const { return options_; }
  // The configured bound.
  int size() const { return options_.size; }
  // Connections currently leased.
  int in_use() const;
  // Connections currently open (idle + leased + being opened).
  int open() const;

 private:
  explicit Pool(PoolOptions options);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Open() const;
  void Return(std::unique_ptr<pqxx::connection> conn, bool broken);

  const PoolOptions options_;
  const timing::SteadyClock& clock_;
  // A std::mutex, not absl::Mutex: the timed wait in Acquire must run on the steady clock
  // (timing::SteadyClock::WaitUntil), and Abseil's timed waits measure the wall clock.
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // Guarded by mu_, as are the two below.
  int open_ = 0;
  int in_use_ = 0;
  // clock_'s time of the last NoteAnswered, in its ticks since its epoch (none yet: the
  // lowest value, far in the past).
  std::atomic<int64_t> answered_at_{std::numeric_limits<int64_t>::min()};
};

}  // namespace shopcast::db
