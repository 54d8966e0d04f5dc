#pragma once

// Runs a function inside a database transaction, with commit/abort and retries handled.

#include <algorithm>
#include <exception>
#include <optional>
#include <pqxx/nontransaction>
#include <pqxx/transaction>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shopcast/db/errors.h"
#include "shopcast/db/pool.h"
#include "shopcast/status/status.h"

namespace shopcast::db {

struct TxOptions {
  bool serializable = false;
  // Total runs of the function, the first included.
  int max_attempts = 5;
};

namespace internal {

template <typename T>
struct IsStatusResult : std::false_type {};
template <>
struct IsStatusResult<absl::Status> : std::true_type {};
template <typename T>
struct IsStatusResult<absl::StatusOr<T>> : std::true_type {};

inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// Sleeps a jittered, exponentially growing delay before attempt `attempt` + 1.
void SleepBeforeRetry(int attempt);

}  // namespace internal

// Runs `fn(pqxx::work&)` (returning absl::Status or absl::StatusOr<T>) in a transaction on a
// pooled connection and returns its result: committed if OK, rolled back otherwise. Exceptions
// from fn or from commit become statuses via MapDbException. Serialization failures, deadlocks
// and connections lost before commit (raised, or returned by fn as DB_RETRYABLE /
// DB_CONNECTION_LOST) run fn again, up to max_attempts, after a jittered backoff; fn must thus
// have no effects outside the transaction that can't be repeated. A commit whose outcome is
// unknown is never retried (UNAVAILABLE DB_COMMIT_IN_DOUBT).
template <typename Fn>
auto InTransaction(Pool& pool, Fn&& fn, TxOptions opts = {})
    -> std::invoke_result_t<Fn&, pqxx::work&> {
  using Result = std::invoke_result_t<Fn&, pqxx::work&>;
  static_assert(internal::IsStatusResult<Result>::value,
                "fn must return absl::Status or absl::StatusOr<T>");
  const int max_attempts = std::max(1, opts.max_attempts);
  for (int attempt = 1;; ++attempt) {
    {
      absl::StatusOr<Pool::Lease> lease = pool.Acquire();
      if (!lease.ok()) return Result(lease.status());
      std::optional<Result> result;
      absl::Status failure;
      try {
        pqxx::work tx(**lease);
        if (opts.serializable) tx.exec0("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
        result.emplace(fn(tx));
        failure = internal::StatusOf(*result);
        if (failure.ok()) {
          tx.commit();
          pool.NoteAnswered();
          return std::move(*result);
        }
        try {
          tx.abort();
        } catch (const std::exception&) {
          lease->MarkBroken();  // The rollback is the server's business once we disconnect.
        }
        if (!IsRetryable(failure) || attempt >= max_attempts) return std::move(*result);
      } catch (const std::exception& e) {
        failure = MapDbException(e);
        if (!(*lease)->is_open() || ReasonOf(failure) == kReasonConnectionLost) {
          lease->MarkBroken();
        }
        if (!IsRetryable(failure) || attempt >= max_attempts) return Result(failure);
      }
    }  // The lease goes back to the pool before the pause.
    internal::SleepBeforeRetry(attempt);
  }
}

// Runs `fn(pqxx::nontransaction&)` (returning absl::Status or absl::StatusOr<T>) on a pooled
// connection in autocommit: each statement is a transaction of its own, with no BEGIN and
// COMMIT round trips — for a change that one statement makes whole (a data-modifying WITH).
// Exceptions become statuses via MapDbException, except that a connection lost during the call
// is UNAVAILABLE DB_COMMIT_IN_DOUBT: a statement may have committed. Nothing is retried here;
// a caller that retries must make the statement safe to run twice.
template <typename Fn>
auto InAutocommit(Pool& pool, Fn&& fn) -> std::invoke_result_t<Fn&, pqxx::nontransaction&> {
  using Result = std::invoke_result_t<Fn&, pqxx::nontransaction&>;
  static_assert(internal::IsStatusResult<Result>::value,
                "fn must return absl::Status or absl::StatusOr<T>");
  absl::StatusOr<Pool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return Result(lease.status());
  try {
    pqxx::nontransaction tx(**lease);
    Result result = fn(tx);
    if (internal::StatusOf(result).ok()) pool.NoteAnswered();
    return result;
  } catch (const std::exception& e) {
    absl::Status failure = MapDbException(e);
    if (!(*lease)->is_open() || ReasonOf(failure) == kReasonConnectionLost) {
      lease->MarkBroken();
      return Result(Error(absl::StatusCode::kUnavailable, kReasonCommitInDoubt,
                          "the connection was lost during an autocommit statement"));
    }
    return Result(failure);
  }
}

}  // namespace shopcast::db
