#pragma once

// What the holder of an offered ticket is told personally (the room's queue_offer_made names
// tickets only): a QUEUE_ADMITTED notification naming the product, the ticket and the claim
// deadline. Pure; the advancer writes it into the outbox in the offer's transaction
// (common/user_notifications.h).

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory::queue {

// Outbox event type of the notification ("product_inventory.queue_admitted").
inline constexpr char kOfferNoticeType[] = "queue_admitted";

struct OfferNotice {
  std::string product_id;
  std::string product_title;  // 1..120 characters (the catalogue's rule)
  std::string stream_id;      // "" for a product in no stream
  std::string ticket_id;
  int32_t quantity = 0;
  absl::Time claim_until;  // The end of the claim window
};

// The notification for `offer`, within realtime-push's Notify rules: kind QUEUE_ADMITTED;
// title "Your turn: <product>" (a generic one when that would pass 120 characters); a body
// with the units, the product, the deadline in UTC and the ticket; product_id and stream_id
// set; link "/live/<stream>?queue_ticket=<ticket>" (or "/products/<product>?queue_ticket=…"
// for a product in no stream), where the app shows the offer and its Claim button.
realtime_push::v1::Notification OfferNotification(const OfferNotice& offer);

}  // namespace shopcast::product_inventory::queue
