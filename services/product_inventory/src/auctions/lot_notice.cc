#include "auctions/lot_notice.h"

#include "absl/strings/str_cat.h"

namespace shopcast::product_inventory::auctions {

void AboutLot(const NoticeLot& lot, realtime_push::v1::Notification* n) {
  n->set_auction_id(lot.auction_id);
  n->set_product_id(lot.product_id);
  n->set_stream_id(lot.stream_id);
  n->set_link(lot.stream_id.empty() ? absl::StrCat("/products/", lot.product_id)
                                    : absl::StrCat("/live/", lot.stream_id));
}

}  // namespace shopcast::product_inventory::auctions
