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

// outbox V003: every destination's row and the listeners' wake-up, in one round trip.
inline constexpr std::string_view kEnqueue =
    "SELECT outbox_enqueue($1, $2::text[], $3, $4, $5, $6)";

}  // namespace

const db::MigrationSet& OutboxMigrations() { return db::embedded::outboxMigrations(); }

PreparedEvent PrepareEvent(const OutgoingEvent& e) {
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
  return PreparedEvent{
      .event_id = event.id(),
      .destinations = db::TextArray(std::set<std::string>(e.destinations.begin(),
                                                          e.destinations.end())),
      .type = e.type,
      .source = e.source,
      .aggregate_id = e.aggregate_id,
      .payload = event.SerializeAsString()};
}

std::string Enqueue(pqxx::work& tx, const OutgoingEvent& e) {
  PreparedEvent p = PrepareEvent(e);
  tx.exec_params1(std::string(kEnqueue), p.event_id, p.destinations, p.type, p.source,
                  p.aggregate_id, pqxx::binarystring(p.payload.data(), p.payload.size()));
  return std::move(p.event_id);
}

}  // namespace shopcast::events
