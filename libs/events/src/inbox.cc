#include "shopcast/events/inbox.h"

#include <exception>
#include <string>
#include <string_view>

#include "shopcast/db/errors.h"
#include "shopcast/status/status.h"

namespace shopcast::db::embedded {
const MigrationSet& inboxMigrations();  // Generated from migrations/inbox.
}  // namespace shopcast::db::embedded

namespace shopcast::events {
namespace {

inline constexpr std::string_view kMarkProcessed = R"~(
INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING)~";

}  // namespace

const db::MigrationSet& InboxMigrations() { return db::embedded::inboxMigrations(); }

absl::StatusOr<bool> MarkProcessed(pqxx::work& tx, absl::string_view event_id) {
  if (event_id.empty()) {
    return InvalidArgument("event_id", "EVENT_ID_MISSING", "event id is empty");
  }
  try {
    return tx.exec_params0(std::string(kMarkProcessed), std::string(event_id)).affected_rows() == 1;
  } catch (const std::exception& e) {
    return db::MapDbException(e);
  }
}

}  // namespace shopcast::events
