#pragma once

// Personal notifications through the outbox: what one user must be told (an offer to claim)
// is written as a realtime_push.v1.NotifyRequest into the outbox inside the transaction that
// made the change, and the relay hands it to realtime-push's internal Notify
// (room_publish_sink.h), at least once; realtime-push dedupes on the outbox event id, so a
// redelivery creates no second inbox entry. Nothing is sent that did not commit.

#include <pqxx/transaction>
#include <string>

#include "absl/strings/string_view.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory {

// Enqueues `notification` for `user_id` in `tx`, as Event.type "product_inventory.<type>"
// (e.g. "queue_admitted") with aggregate_id = user_id (a user's notifications arrive in commit
// order and never wait behind a room's events), to the realtime_push destination. The payload
// is a NotifyRequest with that one recipient and no dedupe_key: the sink sets it to the event
// id. `preference` (e.g. "outbid"): the user.v1.NotificationPreferences flag realtime-push
// checks before the entry is written (NotifyRequest.preference); "" for a notice no flag
// governs. Returns the evt_ id.
std::string EnqueueUserNotification(pqxx::work& tx, absl::string_view user_id,
                                    absl::string_view type,
                                    const realtime_push::v1::Notification& notification,
                                    absl::string_view preference = "");

}  // namespace shopcast::product_inventory
