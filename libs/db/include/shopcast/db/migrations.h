#pragma once

// Forward-only schema migrations, applied at start-up under an advisory lock.
//
// Each component (a service, or a library like the outbox) owns a MigrationSet; its applied
// versions are recorded with a SHA-256 checksum in `schema_migrations`. Binaries usually carry
// their sets compiled in: shopcast_embed_migrations(<target> <dir> <component>) generates
// `const MigrationSet& shopcast::db::embedded::<component>Migrations()`, which consumers declare
// themselves.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shopcast::db {

struct Migration {
  int version;
  std::string name;  // The file name, e.g. "V001__create_users.sql".
  std::string sql;   // Run in one transaction: no BEGIN/COMMIT, no CREATE INDEX CONCURRENTLY.
};

struct MigrationSet {
  std::string component;
  std::vector<Migration> migrations;  // Strictly increasing versions.
};

// Brings the database at `dsn` up to date with `sets`, in order. Concurrent callers serialise
// on a fixed advisory lock; each pending migration runs together with its bookkeeping row in one
// transaction, so a failure leaves nothing of that migration behind. Errors:
// FAILED_PRECONDITION MIGRATION_INVALID (see ValidateMigrations), FAILED_PRECONDITION
// MIGRATION_CHECKSUM_MISMATCH (an applied migration was edited), MIGRATION_FAILED with the
// mapped database code (the migration's SQL failed), UNAVAILABLE DB_UNREACHABLE.
// Versions recorded in the database but absent from a set are tolerated (a newer binary ran).
absl::Status ApplyMigrations(const std::string& dsn, const std::vector<const MigrationSet*>& sets);

// ApplyMigrations, retried once a second while the database is unreachable (UNAVAILABLE), for up
// to `max_wait`: in a cluster a service and its database often start together. Logs the first
// unreachable attempt. Other errors return at once.
absl::Status ApplyMigrationsWhenReachable(const std::string& dsn,
                                          const std::vector<const MigrationSet*>& sets,
                                          absl::Duration max_wait = absl::Minutes(1));

// FAILED_PRECONDITION MIGRATION_INVALID unless every set is non-null with a distinct non-empty
// component, and its migrations have names, non-empty SQL, and versions > 0 strictly increasing.
absl::Status ValidateMigrations(const std::vector<const MigrationSet*>& sets);

// Lower-case hex SHA-256 of `sql`, as stored in schema_migrations.checksum.
std::string MigrationChecksum(absl::string_view sql);

}  // namespace shopcast::db
