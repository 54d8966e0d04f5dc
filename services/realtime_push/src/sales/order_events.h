#pragma once

// The order service's events as rooms, stats and notifications see them (EventSink, source
// "order"), applied inside the consumer's transaction with its dedupe mark:
//  - order.sale_recorded: the sale counts in its stream's RoomStats (room_sales), a SaleTicker
//    goes to the stream's room while it is open (a closed or unknown room gets none: the sale
//    still counts), and the seller gets SALE_MADE. Without a stream (a catalog sale) only the
//    notification.
//  - order.sale_cancelled, and order.order_status_changed into CANCELLED or REFUNDED: the
//    order's sales stop counting, and each open room gets a SaleCancelled; whichever of the two
//    arrives first does it, the other finds nothing left to cancel.
//  - order.order_status_changed: ORDER_UPDATE for the buyer (sale_notices.h says which).
//  - other order.* types: accepted, no effect.

#include <pqxx/transaction>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rooms/room_log.h"
#include "shopcast/common/v1/event.pb.h"

namespace shopcast::realtime_push::sales {

inline constexpr char kOrderEventPrefix[] = "order.";

// Applies an order event; the room events appended (to fan out after commit). INVALID_ARGUMENT
// EVENT_PAYLOAD_INVALID, with nothing written, for a payload that does not unpack or lacks the
// order, a positive quantity or a currency.
absl::StatusOr<std::vector<rooms::Appended>> ApplyOrderEvent(pqxx::work& tx,
                                                             const common::v1::Event& event,
                                                             absl::Time now);

}  // namespace shopcast::realtime_push::sales
