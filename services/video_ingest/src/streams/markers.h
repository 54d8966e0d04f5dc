#pragma once

// Stream markers: the events other services publish that players should show in sync with the
// picture (live timed metadata, issue 12 §3), read from the events the relays deliver to our
// EventSink. Pure (protos in, plain structs out); the runtime's MarkerFeed turns each into an
// EXT-X-DATERANGE (media/date_ranges.h), the store keeps them (store/marker_store.h).
//
//   order.sale_recorded (source order)            -> sale           com.shopcast.sale
//   product_inventory.pins_changed, pinned_now    -> pin            com.shopcast.pin
//   product_inventory.stock_* / product_created /
//     product_updated carrying a flash sale       -> flash_sale     com.shopcast.flash-sale
//   product_inventory.auction_closed              -> auction_close  com.shopcast.auction-close
//
// Everything else (other types, an unpin, a sale outside a stream, an event of the right type
// from the wrong source) is no marker: acknowledged and ignored.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/common/v1/event.pb.h"

namespace shopcast::video_ingest::streams {

inline constexpr char kSaleRecorded[] = "order.sale_recorded";
inline constexpr char kProductInventorySource[] = "product_inventory";

// Kinds as stored (stream_markers.kind).
inline constexpr char kMarkerSale[] = "sale";
inline constexpr char kMarkerPin[] = "pin";
inline constexpr char kMarkerFlashSale[] = "flash_sale";
inline constexpr char kMarkerAuctionClose[] = "auction_close";

// Stored text values are cut to this many bytes (on a character boundary); the playlist cuts
// further when it renders (media::kMaxDateRangeTextBytes).
inline constexpr size_t kMaxMarkerTextBytes = 1024;

struct MarkerAttribute {
  std::string name;  // "X-PRODUCT-ID"
  std::string text;  // when `number` is unset
  std::optional<int64_t> number;
  bool operator==(const MarkerAttribute&) const = default;
};

struct Marker {
  std::string marker_id;  // The DATERANGE ID; stable for the thing it marks.
  std::string event_id;
  std::string stream_id;
  std::string kind;
  absl::Time starts_at;
  std::optional<absl::Time> ends_at;  // nullopt: an instant
  std::vector<MarkerAttribute> attributes;
  absl::Time occurred_at;  // Event.occurred_at (the producer's commit), for the lag metric.
};

// The marker `event` announces; nullopt when it announces none (see the table above);
// INVALID_ARGUMENT MARKER_PAYLOAD_INVALID when it should and its payload cannot be read or
// names no valid stream, ids or times (redelivering cannot fix that: log it and acknowledge).
absl::StatusOr<std::optional<Marker>> MarkerOf(const common::v1::Event& event);

// The DATERANGE CLASS of a stored kind ("com.shopcast.sale"); "" for an unknown kind.
std::string MarkerClass(const std::string& kind);

}  // namespace shopcast::video_ingest::streams
