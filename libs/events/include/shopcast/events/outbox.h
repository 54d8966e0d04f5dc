#pragma once

// The producer side of the transactional outbox: an event is written in the same transaction as
// the state change it reports, so it exists if and only if that change committed. A Relay
// (relay.h) delivers it afterwards, at least once.

#include <google/protobuf/message.h>

#include <pqxx/transaction>
#include <string>
#include <vector>

#include "shopcast/db/migrations.h"

namespace shopcast::events {

// Channel notified (at commit) whenever events are enqueued.
inline constexpr char kOutboxChannel[] = "shopcast_outbox";

// The `outbox` table. Apply with db::ApplyMigrations alongside the service's own set.
const db::MigrationSet& OutboxMigrations();

struct OutgoingEvent {
  std::string source;        // The producing service, e.g. "order".
  std::string type;          // e.g. "order.sale_recorded".
  std::string aggregate_id;  // Events of one aggregate reach each destination in order.
  std::vector<std::string> destinations;  // Relay destination names; duplicates are ignored.
  const google::protobuf::Message* payload = nullptr;  // Packed as google.protobuf.Any.
};

// Writes `e` as a shopcast.common.v1.Event (new evt_ id, occurred_at = now) for each
// destination, inside `tx`, and returns the event id. Throws std::invalid_argument when source,
// type, destinations or payload are missing, and pqxx exceptions on database errors (both
// become statuses in db::InTransaction).
std::string Enqueue(pqxx::work& tx, const OutgoingEvent& e);

// An event ready to be written by a statement of the caller's own, for a change and its event
// in one round trip: the statement calls
//   outbox_enqueue(event_id, destinations::text[], type, source, aggregate_id, payload::bytea)
// (outbox V003; what Enqueue runs) with these values, e.g. from a data-modifying WITH, once and
// only when its change is made. Throws like Enqueue.
struct PreparedEvent {
  std::string event_id;
  std::string destinations;  // a text[] literal: each destination once, in name order
  std::string type;
  std::string source;
  std::string aggregate_id;
  std::string payload;  // the serialized shopcast.common.v1.Event: pass as bytea
};
PreparedEvent PrepareEvent(const OutgoingEvent& e);

}  // namespace shopcast::events
