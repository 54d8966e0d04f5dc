#pragma once

// What the winner of an auction is told personally. The room's auction_closed says who won, but
// a winner who has left the show (or the app) would never learn it, and the lot's hold lapses
// unpaid: an AUCTION_WON notification names the lot, the price and how long the hold lasts.
// Pure; the close writes it into the outbox in its own transaction
// (common/user_notifications.h), only when a hold was made for the winner.

#include <string>

#include "absl/time/time.h"
#include "auctions/lot_notice.h"
#include "shopcast/common/v1/money.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory::auctions {

// Outbox event type of the notification ("product_inventory.auction_won").
inline constexpr char kWonNoticeType[] = "auction_won";

struct WonNotice {
  NoticeLot lot;
  common::v1::Money price;  // the winning amount
  absl::Time hold_until;    // when the winner's hold lapses unpaid
};

// The notification for `won`, within realtime-push's Notify rules: kind AUCTION_WON; title
// "You won: <product>" (a generic one when that would pass 120 characters); a body with the
// product, the price and the deadline in UTC; auction_id, product_id and stream_id set; link
// "/live/<stream>" (or "/products/<product>" for a product in no stream), where the app shows
// the win and its checkout.
realtime_push::v1::Notification WonNotification(const WonNotice& won);

}  // namespace shopcast::product_inventory::auctions
