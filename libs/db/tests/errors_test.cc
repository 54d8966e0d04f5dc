#include "shopcast/db/errors.h"

#include <catch2/catch.hpp>
#include <pqxx/except>
#include <stdexcept>
#include <string>

#include "shopcast/status/status.h"

namespace shopcast::db {
namespace {

// What PostgreSQL sends (verbose), with the offending values in DETAIL.
constexpr char kUniqueVerbose[] =
    "ERROR:  23505: duplicate key value violates unique constraint \"users_email_key\"\n"
    "DETAIL:  Key (email)=(alice@example.com) already exists.\n"
    "SCHEMA NAME:  public\nTABLE NAME:  users\nCONSTRAINT NAME:  users_email_key\n"
    "LOCATION:  _bt_check_unique, nbtinsert.c:664\n";
constexpr char kQuery[] = "INSERT INTO users (email) VALUES ('alice@example.com')";

void CheckNoLeak(const absl::Status& s) {
  CHECK(s.message().find("alice") == absl::string_view::npos);
  CHECK(s.message().find("INSERT") == absl::string_view::npos);
}

TEST_CASE("unique violation maps to ALREADY_EXISTS with the constraint, never the values") {
  const absl::Status s = MapDbException(pqxx::unique_violation(kUniqueVerbose, kQuery, "23505"));
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(ReasonOf(s) == kReasonUniqueViolation);
  CHECK(ConstraintOf(s) == "users_email_key");
  CHECK(s.message().find("23505") != absl::string_view::npos);
  CheckNoLeak(s);
}

TEST_CASE("the constraint name is found in a non-verbose message too") {
  const absl::Status s = MapDbException(
      pqxx::sql_error("ERROR:  duplicate key value violates unique constraint \"orders_pkey\"\n"
                      "DETAIL:  Key (id)=(ord_1) already exists.\n",
                      "INSERT ...", "23505"));
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(ConstraintOf(s) == "orders_pkey");
  CHECK(s.message().find("ord_1") == absl::string_view::npos);
}

TEST_CASE("check and foreign-key violations map to FAILED_PRECONDITION") {
  const absl::Status check = MapDbException(pqxx::check_violation(
      "ERROR:  new row for relation \"stock\" violates check constraint \"stock_available_check\"\n"
      "DETAIL:  Failing row contains (prd_1, -1).\n",
      kQuery, "23514"));
  CHECK(check.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(check) == kReasonCheckViolation);
  CHECK(ConstraintOf(check) == "stock_available_check");
  CHECK(check.message().find("prd_1") == absl::string_view::npos);

  const absl::Status fk = MapDbException(pqxx::foreign_key_violation(
      "ERROR:  insert or update on table \"lines\" violates foreign key constraint "
      "\"lines_order_fkey\"\n",
      kQuery, "23503"));
  CHECK(fk.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(fk) == kReasonForeignKeyViolation);
  CHECK(ConstraintOf(fk) == "lines_order_fkey");
}

TEST_CASE("serialization failures and deadlocks are ABORTED and retryable") {
  for (const absl::Status& s :
       {MapDbException(pqxx::serialization_failure("ERROR:  could not serialize access")),
        MapDbException(pqxx::deadlock_detected("ERROR:  deadlock detected")),
        MapDbException(pqxx::sql_error("ERROR:  could not serialize", kQuery, "40001")),
        MapDbException(pqxx::sql_error("ERROR:  deadlock detected", kQuery, "40P01"))}) {
    CHECK(s.code() == absl::StatusCode::kAborted);
    CHECK(ReasonOf(s) == kReasonRetryable);
    CHECK(IsRetryable(s));
  }
}

TEST_CASE("a lost connection is UNAVAILABLE and retryable: a commit in doubt is not") {
  const absl::Status lost = MapDbException(pqxx::broken_connection("server closed the connection"));
  CHECK(lost.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(lost) == kReasonConnectionLost);
  CHECK(IsRetryable(lost));

  const absl::Status terminated = MapDbException(pqxx::sql_error(
      "FATAL:  terminating connection due to administrator command", "SELECT 1", "57P01"));
  CHECK(terminated.code() == absl::StatusCode::kUnavailable);
  CHECK(IsRetryable(terminated));

  const absl::Status doubt = MapDbException(pqxx::in_doubt_error("lost while committing"));
  CHECK(doubt.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(doubt) == kReasonCommitInDoubt);
  CHECK_FALSE(IsRetryable(doubt));
}

TEST_CASE("a statement timeout is DEADLINE_EXCEEDED") {
  const absl::Status s = MapDbException(
      pqxx::sql_error("ERROR:  canceling statement due to statement timeout", kQuery, "57014"));
  CHECK(s.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(ReasonOf(s) == kReasonTimeout);
}

TEST_CASE("anything else is INTERNAL with the SQLSTATE but without SQL or values") {
  const absl::Status s = MapDbException(
      pqxx::syntax_error("ERROR:  syntax error at or near \"alice@example.com\"", kQuery, "42601"));
  CHECK(s.code() == absl::StatusCode::kInternal);
  CHECK(ReasonOf(s) == kReasonError);
  CHECK(s.message().find("42601") != absl::string_view::npos);
  CHECK(ConstraintOf(s).empty());
  CheckNoLeak(s);

  const absl::Status other = MapDbException(std::runtime_error("alice@example.com"));
  CHECK(other.code() == absl::StatusCode::kInternal);
  CheckNoLeak(other);

  const absl::Status conversion = MapDbException(pqxx::conversion_error("'alice' is not int"));
  CHECK(conversion.code() == absl::StatusCode::kInternal);
  CheckNoLeak(conversion);
}

TEST_CASE("statuses not from the database are not retryable") {
  CHECK_FALSE(IsRetryable(absl::OkStatus()));
  CHECK_FALSE(IsRetryable(absl::AbortedError("version mismatch")));
  CHECK_FALSE(IsRetryable(Error(absl::StatusCode::kUnavailable, kReasonPoolExhausted, "busy")));
}

}  // namespace
}  // namespace shopcast::db
