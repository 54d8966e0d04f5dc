#include "shopcast/events/outbox.h"

#include <pqxx/binarystring>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/db/pg_array.h"
#include "shopcast/ids/ids.h"

namespace shopcast::db::embedded {
const MigrationSet& outboxMigrations();  // Generated from migrations/outbox.
}  // namespace shopcast::db::embedded

namespace shopcast::events {
namespace {

// Every destination's row and the wake-up of the listeners (delivered at commit, and only
// then), in one round trip. $2: the destinations (text[]), in the order their rows are numbered.
inline constexpr std::string_view kEnqueue = R"~(
WITH queued AS (
  INSERT INTO outbox (event_id, destination, type, source, aggregate_id, payload)
  SELECT $1, d.destination, $3, $4, $5, $6
  FROM unnest($2::text[]) WITH ORDINALITY AS d(destination, n)
  ORDER BY d.n
  RETURNING 1)
SELECT pg_notify('shopcast_outbox', ''))~";

}  // namespace

const db::MigrationSet& OutboxMigrations() { return db::embedded::outboxMigrations(); }

std::string Enqueue(pqxx::work& tx, const OutgoingEvent& e) {
  if (e.source.empty() || e.type.empty() || e.destinations.empty() || e.payload == nullptr) {
    throw std::invalid_argument("Enqueue: source, type, destinations and payload are required");
  }
  shopcast::common::v1::Event event;
  event.set_id(ids::NewId("evt"));
  event.set_type(e.type);
  event.set_source(e.source);
  event.set_aggregate_id(e.aggregate_id);
  const absl::Time now = absl::Now();
  const int64_t seconds = absl::ToUnixSeconds(now);
  event.mutable_occurred_at()->set_seconds(seconds);
  event.mutable_occurred_at()->set_nanos(
      static_cast<int32_t>((now - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  event.mutable_payload()->PackFrom(*e.payload);

  const std::string bytes = event.SerializeAsString();
  const pqxx::binarystring blob(bytes.data(), bytes.size());
  // Each destination once, in name order.
  const std::set<std::string> destinations(e.destinations.begin(), e.destinations.end());
  tx.exec_params1(std::string(kEnqueue), event.id(), db::TextArray(destinations), e.type,
                  e.source, e.aggregate_id, blob);
  return event.id();
}

}  // namespace shopcast::events
