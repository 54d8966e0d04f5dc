#pragma once

// What the order service's events look like to people: the room's sale ticker, the seller's
// SALE_MADE and the buyer's ORDER_UPDATE notifications. Pure: no database, no gRPC.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "notify/personal.h"
#include "shopcast/common/v1/money.pb.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::realtime_push::sales {

namespace pb = ::shopcast::realtime_push::v1;
namespace opb = ::shopcast::order::v1;

// A buyer shown without their display name: the first and last character of the id's random
// part around "***", lower case ("usr_01HZX…7K" -> "0***k"); "someone" for an empty id.
std::string MaskedBuyer(absl::string_view buyer_id);

// The sale's amount: `amount`, or unit price x quantity when the producer left it unset.
common::v1::Money SaleAmount(const opb::SaleRecorded& sale);

// The ticker of a sale: its display name (or the masked buyer), the event's unit counts.
pb::SaleTicker TickerOf(const opb::SaleRecorded& sale);

// The seller's notification of a sale, idempotent per event ("sale:<event id>").
notify::PersonalNotice SaleMadeNotice(const opb::SaleRecorded& sale, absl::string_view event_id);

// The buyer's notification of a status change, idempotent per event ("order:<event id>"), or
// nullopt for a change nobody is told about: into PENDING_PAYMENT (the buyer is at checkout),
// UNSPECIFIED, or no change at all. CONFIRMED, SHIPPED, CANCELLED, REFUNDED and FAILED notify.
std::optional<notify::PersonalNotice> OrderUpdateNotice(const opb::OrderStatusChanged& change,
                                                        absl::string_view event_id);

}  // namespace shopcast::realtime_push::sales
