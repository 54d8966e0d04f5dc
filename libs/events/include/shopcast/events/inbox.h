#pragma once

// The consumer side of at-least-once delivery: remember which events were applied, in the same
// transaction that applies them, so a redelivered event is recognised and skipped.

#include <pqxx/transaction>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shopcast/db/migrations.h"

namespace shopcast::events {

// The `processed_events` table. Apply with db::ApplyMigrations in consuming services.
const db::MigrationSet& InboxMigrations();

// Records `event_id` as processed within `tx`: true the first time, false if it already was
// (then skip the event, and still report it accepted). INVALID_ARGUMENT for an empty id;
// database errors as db::MapDbException maps them.
absl::StatusOr<bool> MarkProcessed(pqxx::work& tx, absl::string_view event_id);

}  // namespace shopcast::events
