#include "shopcast/db/errors.h"

#include <pqxx/except>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "shopcast/status/status.h"

namespace shopcast::db {
namespace {

// libpqxx 6.4's sql_error keeps only the message text, not the PGresult, so the
// PG_DIAG_CONSTRAINT_NAME field is out of reach. The pool sets libpq's error verbosity to
// VERBOSE, which appends that field as a "CONSTRAINT NAME:  <name>" line (labels are libpq's
// own, untranslated while the process runs in the C locale); failing that, the primary message
// names it as `constraint "<name>"` (server messages in English, as our clusters run).
std::string ExtractConstraint(absl::string_view what) {
  constexpr absl::string_view kField = "\nCONSTRAINT NAME:  ";
  if (auto pos = what.find(kField); pos != absl::string_view::npos) {
    absl::string_view rest = what.substr(pos + kField.size());
    return std::string(rest.substr(0, rest.find('\n')));
  }
  constexpr absl::string_view kQuoted = "constraint \"";
  if (auto pos = what.find(kQuoted); pos != absl::string_view::npos) {
    absl::string_view rest = what.substr(pos + kQuoted.size());
    if (auto end = rest.find('"'); end != absl::string_view::npos) {
      return std::string(rest.substr(0, end));
    }
  }
  return "";
}

absl::Status ConstraintError(absl::StatusCode code, absl::string_view reason,
                             absl::string_view kind, absl::string_view sqlstate,
                             absl::string_view what) {
  const std::string constraint = ExtractConstraint(what);
  absl::Status s = Error(code, reason,
                         absl::StrCat(kind, " violation (SQLSTATE ", sqlstate, ")",
                                      constraint.empty() ? "" : " on constraint ", constraint));
  if (!constraint.empty()) s.SetPayload(kConstraintPayload, absl::Cord(constraint));
  return s;
}

absl::Status Retryable(absl::string_view sqlstate) {
  return Error(absl::StatusCode::kAborted, kReasonRetryable,
               absl::StrCat("transaction conflict (SQLSTATE ", sqlstate, "); retry"));
}

absl::Status ConnectionLost(absl::string_view sqlstate) {
  return Error(absl::StatusCode::kUnavailable, kReasonConnectionLost,
               sqlstate.empty()
                   ? std::string("database connection lost")
                   : absl::StrCat("database connection lost (SQLSTATE ", sqlstate, ")"));
}

absl::Status FromSqlState(absl::string_view state, absl::string_view what) {
  if (state == "23505") {
    return ConstraintError(absl::StatusCode::kAlreadyExists, kReasonUniqueViolation, "unique",
                           state, what);
  }
  if (state == "23514") {
    return ConstraintError(absl::StatusCode::kFailedPrecondition, kReasonCheckViolation, "check",
                           state, what);
  }
  if (state == "23503" || state == "23001") {
    return ConstraintError(absl::StatusCode::kFailedPrecondition, kReasonForeignKeyViolation,
                           "foreign key", state, what);
  }
  if (state == "40001" || state == "40P01") return Retryable(state);
  // Class 08 (connection exception) and the server going away under us (57P01..57P03).
  if (absl::StartsWith(state, "08") || state == "57P01" || state == "57P02" || state == "57P03") {
    return ConnectionLost(state);
  }
  if (state == "57014") {
    return Error(absl::StatusCode::kDeadlineExceeded, kReasonTimeout,
                 "database statement cancelled or timed out (SQLSTATE 57014)");
  }
  return Error(absl::StatusCode::kInternal, kReasonError,
               absl::StrCat("database error (SQLSTATE ", state.empty() ? "unknown" : state, ")"));
}

}  // namespace

absl::Status MapDbException(const std::exception& e) {
  // Order matters: in_doubt_error and the transaction_rollback family carry no SQLSTATE.
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr ||
      dynamic_cast<const pqxx::statement_completion_unknown*>(&e) != nullptr) {
    return Error(absl::StatusCode::kUnavailable, kReasonCommitInDoubt,
                 "connection lost during commit; the transaction may or may not have committed");
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return ConnectionLost("");
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr) return Retryable("40001");
  if (dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr) return Retryable("40P01");
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr) {
    return FromSqlState(sql->sqlstate(), sql->what());
  }
  if (dynamic_cast<const pqxx::pqxx_exception*>(&e) != nullptr) {
    return Error(absl::StatusCode::kInternal, kReasonError, "database client error");
  }
  return Error(absl::StatusCode::kInternal, kReasonError, "unexpected exception in database code");
}

std::string ConstraintOf(const absl::Status& s) {
  auto p = s.GetPayload(kConstraintPayload);
  return p ? std::string(*p) : std::string();
}

bool IsRetryable(const absl::Status& s) {
  const std::string reason = ReasonOf(s);
  return (s.code() == absl::StatusCode::kAborted && reason == kReasonRetryable) ||
         (s.code() == absl::StatusCode::kUnavailable && reason == kReasonConnectionLost);
}

}  // namespace shopcast::db
