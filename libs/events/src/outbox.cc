#include "shopcast/events/outbox.h"

#include <pqxx/binarystring>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/ids/ids.h"

namespace shopcast::db::embedded {
const MigrationSet& outboxMigrations();  // Generated from migrations/outbox.
}  // namespace shopcast::db::embedded

namespace shopcast::events {
namespace {

inline constexpr std::string_view kInsertOutbox = R"~(
INSERT INTO outbox (event_id, destination, type, source, aggregate_id, payload)
VALUES ($1, $2, $3, $4, $5, $6))~";

inline constexpr std::string_view kNotify = "NOTIFY shopcast_outbox";

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
  for (const std::string& destination :
       std::set<std::string>(e.destinations.begin(), e.destinations.end())) {
    tx.exec_params0(std::string(kInsertOutbox), event.id(), destination, e.type, e.source,
                    e.aggregate_id, blob);
  }
  // Delivered at commit, and only then; lets a listener wake up instead of waiting for its poll.
  tx.exec0(std::string(kNotify));
  return event.id();
}

}  // namespace shopcast::events
