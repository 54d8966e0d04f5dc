#include "queue/offer_notice.h"

#include "absl/strings/str_cat.h"
#include "shopcast/text/utf8.h"

namespace shopcast::product_inventory::queue {
namespace {

constexpr int64_t kMaxTitleChars = 120;  // realtime-push's Notify rule
constexpr char kTitlePrefix[] = "Your turn: ";

}  // namespace

realtime_push::v1::Notification OfferNotification(const OfferNotice& offer) {
  realtime_push::v1::Notification n;
  n.set_kind(realtime_push::v1::NOTIFICATION_KIND_QUEUE_ADMITTED);
  const int64_t title_chars = text::CodePointCount(offer.product_title);
  if (title_chars > 0 &&
      title_chars + static_cast<int64_t>(sizeof(kTitlePrefix) - 1) <= kMaxTitleChars) {
    n.set_title(absl::StrCat(kTitlePrefix, offer.product_title));
  } else {
    n.set_title("Your turn in the queue");
  }
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
