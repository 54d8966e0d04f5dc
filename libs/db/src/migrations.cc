#include "shopcast/db/migrations.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "shopcast/db/errors.h"
#include "shopcast/log/log.h"
#include "shopcast/status/status.h"

namespace shopcast::db {
namespace {

// pg_advisory_lock key shared by every shopcast binary ("shopmigr" in ASCII).
constexpr int64_t kMigrationLockKey = 0x73686f706d696772;

constexpr char kReasonInvalid[] = "MIGRATION_INVALID";
constexpr char kReasonChecksum[] = "MIGRATION_CHECKSUM_MISMATCH";
constexpr char kReasonFailed[] = "MIGRATION_FAILED";

inline constexpr std::string_view kCreateTable = R"~(
CREATE TABLE IF NOT EXISTS schema_migrations (
  component text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
))~";

inline constexpr std::string_view kMigrationsTableExists = R"~(
SELECT to_regclass('schema_migrations'))~";

inline constexpr std::string_view kSelectApplied = R"~(
SELECT version, checksum FROM schema_migrations WHERE component = $1)~";

inline constexpr std::string_view kInsertApplied = R"~(
INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4))~";

absl::Status Invalid(absl::string_view message) {
  return Error(absl::StatusCode::kFailedPrecondition, kReasonInvalid, message);
}

// The first line of the server's message, without the severity and SQLSTATE prefix, but only
// for class 42 (syntax error or access rule violation): those speak of the migration's own SQL
// ("relation \"x\" already exists"), never of row values, and are what a developer needs.
std::string SyntaxDetail(const std::exception& e) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  if (sql == nullptr || !absl::StartsWith(sql->sqlstate(), "42")) return "";
  absl::string_view line = sql->what();
  line = line.substr(0, line.find('\n'));
  for (absl::string_view prefix : {"ERROR:", " ", " ", sql->sqlstate().c_str(), ":", " "}) {
    absl::ConsumePrefix(&line, prefix);
  }
  return absl::StrCat(": ", line);
}

absl::Status Failed(const MigrationSet& set, const Migration& m, const std::exception& e) {
  const absl::Status mapped = MapDbException(e);
  return Error(mapped.code(), kReasonFailed,
               absl::StrCat("migration ", set.component, "/", m.name, " failed: ", mapped.message(),
                            SyntaxDetail(e)));
}

absl::Status ApplySet(pqxx::connection& conn, const MigrationSet& set) {
  std::map<int, std::string> applied;
  try {
    pqxx::nontransaction tx(conn);
    for (const auto& row : tx.exec_params(std::string(kSelectApplied), set.component)) {
      applied[row[0].as<int>()] = row[1].as<std::string>();
    }
  } catch (const std::exception& e) {
    return MapDbException(e);
  }
  for (const Migration& m : set.migrations) {
    const std::string checksum = MigrationChecksum(m.sql);
    if (auto it = applied.find(m.version); it != applied.end()) {
      if (it->second != checksum) {
        return Error(absl::StatusCode::kFailedPrecondition, kReasonChecksum,
                     absl::StrCat("migration ", set.component, "/", m.name, " (version ", m.version,
                                  ") differs from the one applied; applied migrations are never "
                                  "edited, add a new one instead"));
      }
      continue;
    }
    try {
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec_params0(std::string(kInsertApplied), set.component, m.version, m.name, checksum);
      tx.commit();
    } catch (const std::exception& e) {
      return Failed(set, m, e);
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string MigrationChecksum(absl::string_view sql) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(sql.data(), sql.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return "";  // Only on allocation failure; an empty checksum never matches a stored one.
  }
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) absl::StrAppendFormat(&hex, "%02x", digest[i]);
  return hex;
}

absl::Status ValidateMigrations(const std::vector<const MigrationSet*>& sets) {
  std::set<std::string> components;
  for (const MigrationSet* set : sets) {
    if (set == nullptr) return Invalid("null migration set");
    if (set->component.empty()) return Invalid("migration set without a component name");
    if (!components.insert(set->component).second) {
      return Invalid(absl::StrCat("migration component ", set->component, " given twice"));
    }
    int previous = 0;
    for (const Migration& m : set->migrations) {
      const std::string where = absl::StrCat(set->component, "/", m.name);
      if (m.name.empty()) {
        return Invalid(
            absl::StrCat("migration ", set->component, " version ", m.version, " has no name"));
      }
      if (m.version <= previous) {
        return Invalid(absl::StrCat("migration ", where, ": version ", m.version,
                                    " must be greater than ", previous,
                                    " (versions are unique and increasing)"));
      }
      if (absl::StripAsciiWhitespace(m.sql).empty()) {
        return Invalid(absl::StrCat("migration ", where, " is empty"));
      }
      previous = m.version;
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyMigrations(const std::string& dsn, const std::vector<const MigrationSet*>& sets) {
  RETURN_IF_ERROR(ValidateMigrations(sets));
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(dsn);
  } catch (const std::exception&) {
    return Error(absl::StatusCode::kUnavailable, kReasonUnreachable,
                 "cannot open a database connection to apply migrations");
  }
  conn->set_verbosity(pqxx::connection_base::verbose);
  try {
    pqxx::nontransaction tx(*conn);
    tx.exec0("SET client_min_messages = warning");  // No NOTICEs from IF NOT EXISTS on stderr.
    tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  } catch (const std::exception& e) {
    return MapDbException(e);
  }
  absl::Status status;
  try {
    pqxx::work tx(*conn);
    // Only when missing: CREATE ... IF NOT EXISTS still needs CREATE on the schema, which a
    // service's runtime role (DML only; its owner role migrates first) does not have.
    if (tx.exec1(std::string(kMigrationsTableExists))[0].is_null()) {
      tx.exec0(std::string(kCreateTable));
    }
    tx.commit();
  } catch (const std::exception& e) {
    status = MapDbException(e);
  }
  for (const MigrationSet* set : sets) {
    if (!status.ok()) break;
    status = ApplySet(*conn, *set);
  }
  try {
    pqxx::nontransaction tx(*conn);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
  } catch (const std::exception&) {
    // The session lock goes away with the connection, closed right below.
  }
  return status;
}

absl::Status ApplyMigrationsWhenReachable(const std::string& dsn,
                                          const std::vector<const MigrationSet*>& sets,
                                          absl::Duration max_wait) {
  absl::Time deadline = absl::Now() + max_wait;
  for (bool first = true;; first = false) {
    absl::Status s = ApplyMigrations(dsn, sets);
    if (s.ok() || s.code() != absl::StatusCode::kUnavailable || absl::Now() >= deadline) return s;
    if (first) log::Warn("database_unreachable").Kv("detail", std::string(s.message()));
    absl::SleepFor(absl::Seconds(1));
  }
}

}  // namespace shopcast::db
