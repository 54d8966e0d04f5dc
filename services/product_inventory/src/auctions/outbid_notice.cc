#include "auctions/outbid_notice.h"

#include "absl/strings/str_cat.h"
#include "common/notice_title.h"
#include "shopcast/money/money.h"

namespace shopcast::product_inventory::auctions {

realtime_push::v1::Notification OutbidNotification(const OutbidNotice& outbid) {
  realtime_push::v1::Notification n;
  n.set_kind(realtime_push::v1::NOTIFICATION_KIND_OUTBID);
  n.set_title(TitleNaming("Outbid: ", outbid.lot.product_title, "You were outbid"));
  const std::string ends =
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", outbid.ends_at, absl::UTCTimeZone());
  n.set_body(absl::StrCat("Someone else leads on \"", outbid.lot.product_title, "\" at ",
                          money::AmountText(outbid.price.amount_minor(), outbid.price.currency()),
                          ". The auction ends at ", ends, ": bid again to win it."));
  AboutLot(outbid.lot, &n);
  return n;
}

}  // namespace shopcast::product_inventory::auctions
