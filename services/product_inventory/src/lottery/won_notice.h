#pragma once

// What a lottery's winner is told personally. The room's lottery_drawn lists the winners, but a
// winner who left the show (entering is one tap; the draw may come much later) would never learn
// it, and the unit held for them lapses unpaid: a LOTTERY_WON notification names the product,
// the price and how long the hold lasts. Pure; the draw writes it into the outbox in its own
// transaction (common/user_notifications.h), only for a winner a hold was made for.

#include <string>

#include "absl/time/time.h"
#include "shopcast/common/v1/money.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory::lottery {

// Outbox event type of the notification ("product_inventory.lottery_won").
inline constexpr char kLotteryWonType[] = "lottery_won";

struct LotteryWonNotice {
  std::string product_id;
  std::string product_title;  // 1..120 characters (the catalogue's rule)
  std::string stream_id;      // "" for a product in no stream
  common::v1::Money price;    // the lottery's unit price
  absl::Time hold_until;      // when the winner's hold lapses unpaid
};

// The notification for `won`, within realtime-push's Notify rules: kind LOTTERY_WON; title
// "You won: <product>" (a generic one when that would pass 120 characters); a body with the
// product, the price and the deadline in UTC; product_id and stream_id set; link
// "/live/<stream>" (or "/products/<product>" for a product in no stream), where the app shows
// the win and its checkout.
realtime_push::v1::Notification LotteryWonNotification(const LotteryWonNotice& won);

}  // namespace shopcast::product_inventory::lottery
