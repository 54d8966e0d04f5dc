#include "common/room_events.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "shopcast/events/outbox.h"

namespace shopcast::product_inventory {

std::string EnqueueRoomEvent(pqxx::work& tx, absl::string_view stream_id, absl::string_view type,
                             const realtime_push::v1::RoomEvent& event) {
  events::OutgoingEvent e;
  e.source = kEventSource;
  e.type = absl::StrCat(kEventSource, ".", type);
  e.aggregate_id = std::string(stream_id);
  e.destinations = {kRoomDestination};
  if (ForLivePlaylist(event)) e.destinations.push_back(kIngestDestination);
  if (ForRecording(event)) e.destinations.push_back(kRecordingDestination);
  e.payload = &event;
  return events::Enqueue(tx, e);
}

bool ForLivePlaylist(const realtime_push::v1::RoomEvent& event) {
  auto untouched_sale = [](const realtime_push::v1::FlashSaleCard& sale) {
    return sale.stock_cap() > 0 && sale.remaining() == sale.stock_cap();
  };
  switch (event.payload_case()) {
    case realtime_push::v1::RoomEvent::kPinsChanged:
      return event.pins_changed().pinned_now();
    case realtime_push::v1::RoomEvent::kAuctionClosed:
      return true;
    case realtime_push::v1::RoomEvent::kStockChanged:
      return event.stock_changed().has_flash_sale() &&
             untouched_sale(event.stock_changed().flash_sale());
    case realtime_push::v1::RoomEvent::kProductCreated:
      return event.product_created().product().has_flash_sale() &&
             untouched_sale(event.product_created().product().flash_sale());
    case realtime_push::v1::RoomEvent::kProductUpdated:
      return event.product_updated().product().has_flash_sale() &&
             untouched_sale(event.product_updated().product().flash_sale());
    default:
      return false;
  }
}

bool ForRecording(const realtime_push::v1::RoomEvent& event) {
  return (event.has_pins_changed() && event.pins_changed().pinned_now()) ||
         event.has_auction_closed();
}

realtime_push::v1::FlashSaleCard FlashSaleCardOf(const v1::FlashSale& sale) {
  realtime_push::v1::FlashSaleCard card;
  *card.mutable_deal_price() = sale.deal_price();
  card.set_stock_cap(sale.stock_cap());
  card.set_remaining(std::max<int64_t>(sale.stock_cap() - sale.taken(), 0));
  *card.mutable_opens_at() = sale.opens_at();
  *card.mutable_closes_at() = sale.closes_at();
  return card;
}

realtime_push::v1::ProductCard CardOf(const v1::Product& product) {
  realtime_push::v1::ProductCard card;
  card.set_product_id(product.id());
  card.set_title(product.title());
  if (!product.image_urls().empty()) {
    card.set_image_url(product.image_urls(0));
  } else if (!product.images().empty()) {
    // An uploaded photo: its card-sized rendition (the first one, WebP, when none is "card").
    const v1::ProductImage& first = product.images(0);
    for (const v1::ImageRendition& r : first.renditions()) {
      if (r.size() == "card") {
        card.set_image_url(r.url());
        break;
      }
    }
    if (card.image_url().empty() && !first.renditions().empty()) {
      card.set_image_url(first.renditions(0).url());
    }
  }
  const bool auction = product.sale_mode() == v1::SALE_MODE_AUCTION;
  card.set_is_auction(auction);
  if (!auction && product.has_price()) *card.mutable_price() = product.price();
  const bool listed = product.status() == v1::PRODUCT_STATUS_LISTED;
  if (product.has_stock()) {
    card.set_available(product.stock().available());
    card.set_total(product.stock().total());
    card.set_sold_out(product.stock().total() > 0 && product.stock().available() == 0);
    card.set_purchasable(listed && product.stock().available() > 0);
  } else {
    card.set_purchasable(listed);
  }
  if (product.stock().has_flash_sale()) {
    *card.mutable_flash_sale() = FlashSaleCardOf(product.stock().flash_sale());
  }
  card.set_queue_enabled(product.queue().enabled());
  card.set_open_auction_id(product.open_auction_id());
  card.set_version(product.version());
  return card;
}

}  // namespace shopcast::product_inventory
