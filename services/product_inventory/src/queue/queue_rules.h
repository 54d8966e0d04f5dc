#pragma once

// The queue's pure rules: settings from the API, input bounds, the estimated wait and the
// API's view of tickets. No database here; unit-tested.

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "queue/queue_types.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::queue {

// The settings a ConfigureQueue asks for, defaults written in. INVALID_ARGUMENT with
// CLAIM_WINDOW_OUT_OF_RANGE (10 s..10 min, whole seconds) or MAX_LENGTH_OUT_OF_RANGE
// (0 = default, else 1..100,000).
absl::StatusOr<QueueConfig> ConfigFromProto(const v1::QueueSettings& settings);
v1::QueueSettings ConfigToProto(const QueueConfig& config);

// INVALID_ARGUMENT/QUANTITY_OUT_OF_RANGE unless 1..kMaxQuantity.
absl::Status CheckQuantity(int64_t quantity);

// The wait of the `position`-th ticket when `offers` offers were made in the last `span`
// (oldest to now): position × span / offers. Unset without offers or position.
std::optional<absl::Duration> EstimatedWait(int64_t position, int64_t offers, absl::Duration span);

// Units an offer holds: the ticket's quantity, or fewer when fewer are free (then the holder
// gets what is left rather than the line stalling behind them). 0 when nothing is free.
int32_t OfferQuantity(int32_t wanted, int64_t available);

v1::QueueTicketStatus StatusToProto(TicketStatus s);
v1::QueueTicket TicketToProto(const TicketView& view);

}  // namespace shopcast::product_inventory::queue
