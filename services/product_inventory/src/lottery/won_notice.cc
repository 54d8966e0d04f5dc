#include "lottery/won_notice.h"

#include "absl/strings/str_cat.h"
#include "common/notice_title.h"
#include "shopcast/money/money.h"

namespace shopcast::product_inventory::lottery {

realtime_push::v1::Notification LotteryWonNotification(const LotteryWonNotice& won) {
  realtime_push::v1::Notification n;
  n.set_kind(realtime_push::v1::NOTIFICATION_KIND_LOTTERY_WON);
  n.set_title(TitleNaming("You won: ", won.product_title, "You won a lottery"));
  const std::string deadline =
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", won.hold_until, absl::UTCTimeZone());
  n.set_body(absl::StrCat(
      "You were drawn in the lottery for \"", won.product_title, "\": it is yours for ",
      money::AmountText(won.price.amount_minor(), won.price.currency()),
      ". It is held for you until ", deadline, ": check out before then, or the hold lapses."));
  n.set_product_id(won.product_id);
  n.set_stream_id(won.stream_id);
  n.set_link(won.stream_id.empty() ? absl::StrCat("/products/", won.product_id)
                                   : absl::StrCat("/live/", won.stream_id));
  return n;
}

}  // namespace shopcast::product_inventory::lottery
