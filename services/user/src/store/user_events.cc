#include "store/user_events.h"

#include "shopcast/events/outbox.h"

namespace shopcast::user {

void EnqueueUserEvent(pqxx::work& tx, absl::string_view type, absl::string_view user_id,
                      const google::protobuf::Message& payload) {
  events::OutgoingEvent e;
  e.source = "user";
  e.type = std::string(type);
  e.aggregate_id = std::string(user_id);
  e.destinations = {"realtime_push"};
  e.payload = &payload;
  events::Enqueue(tx, e);
}

}  // namespace shopcast::user
