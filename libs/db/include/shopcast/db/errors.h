#pragma once

// Maps libpqxx exceptions to absl::Status with a machine-readable reason, per the house rule:
// the status message carries the SQLSTATE and, for constraint violations, the constraint name,
// but never the SQL text or the values involved (PostgreSQL's DETAIL lines hold those).

#include <exception>
#include <string>

#include "absl/status/status.h"

namespace shopcast::db {

// Reasons set by this library (see shopcast::ReasonOf).
inline constexpr char kReasonUniqueViolation[] = "DB_UNIQUE_VIOLATION";
inline constexpr char kReasonCheckViolation[] = "DB_CHECK_VIOLATION";
inline constexpr char kReasonForeignKeyViolation[] = "DB_FOREIGN_KEY_VIOLATION";
inline constexpr char kReasonRetryable[] = "DB_RETRYABLE";
inline constexpr char kReasonConnectionLost[] = "DB_CONNECTION_LOST";
inline constexpr char kReasonCommitInDoubt[] = "DB_COMMIT_IN_DOUBT";
inline constexpr char kReasonTimeout[] = "DB_TIMEOUT";
inline constexpr char kReasonError[] = "DB_ERROR";
inline constexpr char kReasonPoolExhausted[] = "DB_POOL_EXHAUSTED";
inline constexpr char kReasonUnreachable[] = "DB_UNREACHABLE";

// Payload key under which a constraint violation carries the constraint's name.
inline constexpr char kConstraintPayload[] = "type.shopcast.dev/db-constraint";

// The status for an exception thrown by libpqxx (or by code run inside a transaction):
//   23505 unique                       -> ALREADY_EXISTS      DB_UNIQUE_VIOLATION
//   23514 check                        -> FAILED_PRECONDITION DB_CHECK_VIOLATION
//   23503 foreign key, 23001 restrict  -> FAILED_PRECONDITION DB_FOREIGN_KEY_VIOLATION
//   40001 serialization, 40P01 deadlock-> ABORTED             DB_RETRYABLE
//   broken connection, 08xxx, 57P0x    -> UNAVAILABLE         DB_CONNECTION_LOST
//   commit outcome unknown             -> UNAVAILABLE         DB_COMMIT_IN_DOUBT (never retry)
//   57014 statement timeout/cancel     -> DEADLINE_EXCEEDED   DB_TIMEOUT
//   anything else                      -> INTERNAL            DB_ERROR (SQLSTATE in message)
absl::Status MapDbException(const std::exception& e);

// The name of the violated constraint carried by a status from MapDbException, or "".
std::string ConstraintOf(const absl::Status& s);

// True for failures after which running the whole transaction again may succeed: ABORTED with
// DB_RETRYABLE, and a connection lost before commit (DB_CONNECTION_LOST).
bool IsRetryable(const absl::Status& s);

}  // namespace shopcast::db
