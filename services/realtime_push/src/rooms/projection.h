#pragma once

// Keeps a room's current state (status, product cards, pins, stock, auctions) in step with its
// log: applied to every durable event inside the transaction that appends it, so a snapshot
// taken at sequence N shows exactly the effect of events 1..N. Older versions and stock
// revisions than the state already holds are ignored (producers' redeliveries, reordering
// across aggregates).

#include <cstdint>
#include <pqxx/transaction>
#include <string>

#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::realtime_push::rooms {

void ApplyToRoomState(pqxx::work& tx, const std::string& stream_id, int64_t seq,
                      const ::shopcast::realtime_push::v1::RoomEvent& event);

// What ApplyToRoomState does for `event`: nothing, one product card upsert (the card
// UpsertedCard returns), or anything else. Publish's one-statement path (batch_append.cc)
// takes only the first two; a kind not listed there counts as anything else.
enum class StateEffect { kNone, kCardUpsert, kOther };
StateEffect StateEffectOf(const ::shopcast::realtime_push::v1::RoomEvent& event);
// The card a product_created / product_updated event upserts; null for any other event.
const ::shopcast::realtime_push::v1::ProductCard* UpsertedCard(
    const ::shopcast::realtime_push::v1::RoomEvent& event);

}  // namespace shopcast::realtime_push::rooms
