#include "queue/offer_notice.h"

#include "absl/strings/str_cat.h"
#include "common/notice_title.h"

namespace shopcast::product_inventory::queue {

realtime_push::v1::Notification OfferNotification(const OfferNotice& offer) {
  realtime_push::v1::Notification n;
  n.set_kind(realtime_push::v1::NOTIFICATION_KIND_QUEUE_ADMITTED);
  n.set_title(TitleNaming("Your turn: ", offer.product_title, "Your turn in the queue"));
  const bool one = offer.quantity == 1;
  const std::string deadline =
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", offer.claim_until, absl::UTCTimeZone());
  n.set_body(absl::StrCat(offer.quantity, one ? " unit of \"" : " units of \"", offer.product_title,
                          one ? "\" is" : "\" are", " held for you until ", deadline, ". Claim ",
                          one ? "it" : "them", " before then or ", one ? "it goes" : "they go",
                          " to the next in line. Ticket ", offer.ticket_id, "."));
  n.set_product_id(offer.product_id);
  n.set_stream_id(offer.stream_id);
  n.set_link(offer.stream_id.empty()
                 ? absl::StrCat("/products/", offer.product_id, "?queue_ticket=", offer.ticket_id)
                 : absl::StrCat("/live/", offer.stream_id, "?queue_ticket=", offer.ticket_id));
  return n;
}

}  // namespace shopcast::product_inventory::queue
