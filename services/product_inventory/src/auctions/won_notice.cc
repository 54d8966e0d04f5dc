#include "auctions/won_notice.h"

#include "absl/strings/str_cat.h"
#include "common/notice_title.h"
#include "shopcast/money/money.h"

namespace shopcast::product_inventory::auctions {

realtime_push::v1::Notification WonNotification(const WonNotice& won) {
  realtime_push::v1::Notification n;
  n.set_kind(realtime_push::v1::NOTIFICATION_KIND_AUCTION_WON);
  n.set_title(TitleNaming("You won: ", won.lot.product_title, "You won an auction"));
  const std::string deadline =
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", won.hold_until, absl::UTCTimeZone());
  n.set_body(absl::StrCat("\"", won.lot.product_title, "\" is yours for ",
                          money::AmountText(won.price.amount_minor(), won.price.currency()),
                          ". It is held for you until ", deadline,
                          ": check out before then, or the hold lapses."));
  AboutLot(won.lot, &n);
  return n;
}

}  // namespace shopcast::product_inventory::auctions
