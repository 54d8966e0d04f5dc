#pragma once

// What a bidder is told personally when another bidder takes the lead from them. The room shows
// every bid, but a bidder who has left the show would never learn their maximum was passed
// before the auction ends: an OUTBID notification names the lot, the new price and when the
// auction ends. Pure; PlaceBid writes it into the outbox in the bid's own transaction
// (common/user_notifications.h) with the "outbid" preference, which realtime-push checks.
//
// One per lead lost: a bidder hears of it once each time their lead is taken, and never more
// often than they took the lead themselves (a bid that leaves the leader in place, answered by
// the leader's proxy, tells nobody).

#include <string>

#include "absl/time/time.h"
#include "auctions/lot_notice.h"
#include "shopcast/common/v1/money.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory::auctions {

// Outbox event type of the notification ("product_inventory.outbid").
inline constexpr char kOutbidNoticeType[] = "outbid";
// The user.v1.NotificationPreferences flag that governs it.
inline constexpr char kOutbidPreference[] = "outbid";

struct OutbidNotice {
  NoticeLot lot;
  common::v1::Money price;  // the auction's price now (the new leader's visible bid)
  absl::Time ends_at;       // when the auction ends now (anti-sniping may move it)
};

// The notification for `outbid`, within realtime-push's Notify rules: kind OUTBID; title
// "Outbid: <product>" (a generic one when that would pass 120 characters); a body with the
// product, the price now and the end in UTC; auction_id, product_id and stream_id set; link
// "/live/<stream>" (or "/products/<product>" for a product in no stream), where the app shows
// the auction to bid again.
realtime_push::v1::Notification OutbidNotification(const OutbidNotice& outbid);

}  // namespace shopcast::product_inventory::auctions
