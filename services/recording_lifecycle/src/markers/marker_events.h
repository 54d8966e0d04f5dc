#pragma once

// Markers from the events peers deliver (pure: an Event in, plain structs out):
//
//   order.sale_recorded (source order, with a stream)      -> 'sale', or 'auction_sale' when it
//                                                              names an auction (a mom_ moment)
//   order.sale_cancelled (source order)                    -> the sale's moments are cancelled
//   product_inventory.pins_changed, pinned_now (RoomEvent) -> 'pin'
//   product_inventory.auction_closed (RoomEvent)           -> 'auction_close'
//
// Anything else — other types, an unpin, a sale outside a stream, the right type from the
// wrong source — is nothing to do. A payload that should make a marker and cannot be read is
// INVALID_ARGUMENT with a reason naming what is wrong (the event is refused: logged, recorded,
// never half-applied).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "shopcast/common/v1/event.pb.h"

namespace shopcast::recording_lifecycle::markers {

inline constexpr char kKindSale[] = "sale";
inline constexpr char kKindAuctionSale[] = "auction_sale";
inline constexpr char kKindPin[] = "pin";
inline constexpr char kKindAuctionClose[] = "auction_close";

// Stored texts are cut to this many bytes on a character boundary.
inline constexpr size_t kMaxMarkerTextBytes = 1024;

struct NewMarker {
  std::string event_id;
  std::string stream_id;
  std::string kind;
  int64_t occurred_us = 0;  // the moment (SaleRecorded.moment_at, the room event's time)
  std::string host_id;      // the seller of a sale; '' when the event does not say
  std::string order_id;
  std::string product_id;
  std::string product_title;
  std::string auction_id;
  std::string result;  // auction_close: sold, bought-now, no-sale, cancelled
  int32_t quantity = 0;
  int64_t amount_minor = 0;
  std::string currency;
};

struct SaleCancel {
  std::string order_id;
  std::string stream_id;
  std::string product_id;  // '' = every line of the order
};

struct MarkerChange {
  std::optional<NewMarker> marker;
  std::optional<SaleCancel> cancel;
  bool empty() const { return !marker && !cancel; }
};

// What `event` means for markers; empty when nothing.
absl::StatusOr<MarkerChange> MarkerChangeOf(const common::v1::Event& event);

// Is `kind` a sale (a Moment)?
bool IsSaleKind(const std::string& kind);

}  // namespace shopcast::recording_lifecycle::markers
