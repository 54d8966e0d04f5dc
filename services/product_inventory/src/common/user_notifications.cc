#include "common/user_notifications.h"

#include "absl/strings/str_cat.h"
#include "common/room_events.h"
#include "shopcast/events/outbox.h"

namespace shopcast::product_inventory {

std::string EnqueueUserNotification(pqxx::work& tx, absl::string_view user_id,
                                    absl::string_view type,
                                    const realtime_push::v1::Notification& notification,
                                    absl::string_view preference) {
  realtime_push::v1::NotifyRequest request;
  request.add_user_ids(std::string(user_id));
  *request.mutable_notification() = notification;
  request.set_preference(std::string(preference));
  events::OutgoingEvent e;
  e.source = kEventSource;
  e.type = absl::StrCat(kEventSource, ".", type);
  e.aggregate_id = std::string(user_id);
  // The same peer and relay destination as room events; the sink tells them apart by payload.
  e.destinations = {kRoomDestination};
  e.payload = &request;
  return events::Enqueue(tx, e);
}

}  // namespace shopcast::product_inventory
