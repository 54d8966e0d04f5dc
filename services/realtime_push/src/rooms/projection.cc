#include "rooms/projection.h"

#include <pqxx/binarystring>
#include <pqxx/result>

#include "rooms/room_sql.h"

namespace shopcast::realtime_push::rooms {
namespace {

namespace pb = ::shopcast::realtime_push::v1;

pqxx::binarystring Blob(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

void UpsertCard(pqxx::work& tx, const std::string& stream_id, int64_t seq,
                const pb::ProductCard& card) {
  tx.exec_prepared0("rp_upsert_card", stream_id, card.product_id(), Blob(card.SerializeAsString()),
                    card.version(), seq);
}

// Runs `edit` on the stored card of `product_id` (if the room has it) and saves it.
template <typename Edit>
void EditCard(pqxx::work& tx, const std::string& stream_id, const std::string& product_id,
              Edit edit) {
  pqxx::result r = tx.exec_prepared("rp_select_card", stream_id, product_id);
  if (r.empty()) return;
  pb::ProductCard card;
  if (!card.ParseFromString(pqxx::binarystring(r[0][0]).str())) return;
  const int64_t stock_revision = r[0][1].as<int64_t>();
  if (!edit(card, stock_revision)) return;
  tx.exec_prepared0("rp_save_card", stream_id, product_id, Blob(card.SerializeAsString()));
}

void UpsertAuction(pqxx::work& tx, const std::string& stream_id, const pb::AuctionState& a) {
  tx.exec_prepared0("rp_upsert_auction", stream_id, a.auction_id(), Blob(a.SerializeAsString()),
                    a.version(), a.open());
}

}  // namespace

void ApplyToRoomState(pqxx::work& tx, const std::string& stream_id, int64_t seq,
                      const pb::RoomEvent& event) {
  switch (event.payload_case()) {
    case pb::RoomEvent::kStreamStatusChanged: {
      const pb::StreamStatusChanged& s = event.stream_status_changed();
      tx.exec_prepared0("rp_set_status", stream_id, static_cast<int>(s.status()),
                        Blob(s.SerializeAsString()));
      break;
    }
    case pb::RoomEvent::kProductCreated:
      UpsertCard(tx, stream_id, seq, event.product_created().product());
      break;
    case pb::RoomEvent::kProductUpdated:
      UpsertCard(tx, stream_id, seq, event.product_updated().product());
      break;
    case pb::RoomEvent::kStockChanged: {
      const pb::StockChanged& s = event.stock_changed();
      pqxx::result r = tx.exec_prepared("rp_select_card", stream_id, s.product_id());
      if (r.empty()) break;
      pb::ProductCard card;
      if (!card.ParseFromString(pqxx::binarystring(r[0][0]).str())) break;
      if (s.revision() <= r[0][1].as<int64_t>()) break;  // an older stock figure
      card.set_available(s.available());
      card.set_total(s.total());
      card.set_sold_out(s.sold_out());
      if (s.sold_out()) card.set_purchasable(false);
      // The stock figure carries the product's whole flash sale: none means it ended.
      if (s.has_flash_sale()) {
        *card.mutable_flash_sale() = s.flash_sale();
      } else {
        card.clear_flash_sale();
      }
      tx.exec_prepared0("rp_save_card_stock", stream_id, s.product_id(),
                        Blob(card.SerializeAsString()), s.revision());
      break;
    }
    case pb::RoomEvent::kQueueUpdated: {
      const pb::QueueUpdated& q = event.queue_updated();
      EditCard(tx, stream_id, q.product_id(), [&q](pb::ProductCard& card, int64_t) {
        card.set_queue_enabled(q.enabled());
        return true;
      });
      break;
    }
    case pb::RoomEvent::kPinsChanged: {
      // The event carries the whole ordered list: replace ours.
      tx.exec_prepared0("rp_clear_pins", stream_id);
      int position = 0;
      for (const pb::ProductCard& card : event.pins_changed().pinned()) {
        UpsertCard(tx, stream_id, seq, card);
        tx.exec_prepared0("rp_set_pin", stream_id, card.product_id(), position++);
      }
      break;
    }
    case pb::RoomEvent::kAuctionStarted:
      UpsertAuction(tx, stream_id, event.auction_started().auction());
      EditCard(tx, stream_id, event.auction_started().auction().product_id(),
               [&event](pb::ProductCard& card, int64_t) {
                 card.set_open_auction_id(event.auction_started().auction().auction_id());
                 return true;
               });
      break;
    case pb::RoomEvent::kAuctionBidPlaced:
      UpsertAuction(tx, stream_id, event.auction_bid_placed().auction());
      break;
    case pb::RoomEvent::kAuctionExtended:
      UpsertAuction(tx, stream_id, event.auction_extended().auction());
      break;
    case pb::RoomEvent::kAuctionClosed: {
      pb::AuctionState state = event.auction_closed().auction();
      state.set_open(false);
      UpsertAuction(tx, stream_id, state);
      EditCard(tx, stream_id, state.product_id(), [&state](pb::ProductCard& card, int64_t) {
        if (card.open_auction_id() != state.auction_id()) return false;
        card.clear_open_auction_id();
        return true;
      });
      break;
    }
    default:
      // Chat lives in chat_messages, sales are read back from the log, and ephemeral counts
      // never reach here.
      break;
  }
}

StateEffect StateEffectOf(const pb::RoomEvent& event) {
  switch (event.payload_case()) {
    case pb::RoomEvent::kProductCreated:
    case pb::RoomEvent::kProductUpdated:
      return StateEffect::kCardUpsert;
    // ApplyToRoomState's default: nothing kept beyond the log.
    case pb::RoomEvent::kChatMessage:
    case pb::RoomEvent::kChatMessageDeleted:
    case pb::RoomEvent::kReactionCounts:
    case pb::RoomEvent::kViewerCount:
    case pb::RoomEvent::kSaleTicker:
    case pb::RoomEvent::kLotteryOpened:
    case pb::RoomEvent::kLotteryEntries:
    case pb::RoomEvent::kLotteryDrawn:
    case pb::RoomEvent::kLotteryCancelled:
    case pb::RoomEvent::kSaleCancelled:
      return StateEffect::kNone;
    default:
      // Status, stock, queue, pins, auctions — and any kind not listed here yet, so that a kind
      // ApplyToRoomState learns is never skipped by the one-statement path.
      return StateEffect::kOther;
  }
}

const pb::ProductCard* UpsertedCard(const pb::RoomEvent& event) {
  switch (event.payload_case()) {
    case pb::RoomEvent::kProductCreated:
      return &event.product_created().product();
    case pb::RoomEvent::kProductUpdated:
      return &event.product_updated().product();
    default:
      return nullptr;
  }
}

}  // namespace shopcast::realtime_push::rooms
