#pragma once

// Room events through the outbox: what a viewer must see (a product dropped or changed, stock,
// pins, auctions) is written as a realtime_push.v1.RoomEvent into the outbox inside the
// transaction that made the change, and the relay publishes it to the stream's room
// (room_publish_sink.h). Nothing is announced that did not commit; nothing committed is lost.

#include <pqxx/transaction>
#include <string>

#include "absl/strings/string_view.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory {

// Outbox source and the relay destination that publishes to realtime-push's rooms.
inline constexpr char kEventSource[] = "product_inventory";
inline constexpr char kRoomDestination[] = "realtime_push";
// video-ingest's EventSink: the room events it shows in the stream's live playlist as
// EXT-X-DATERANGE tags (live timed metadata), see ForLivePlaylist.
inline constexpr char kIngestDestination[] = "video_ingest";

// Whether video-ingest also gets `event`: a product pinned, an auction's close, and a flash
// sale until its first unit is taken (the stock and product events that carry it before then;
// video-ingest keeps one marker per sale and opening).
bool ForLivePlaylist(const realtime_push::v1::RoomEvent& event);

// recording-lifecycle's EventSink: the room events that become markers in the stream's
// recording (a product pinned, an auction's close), see ForRecording.
inline constexpr char kRecordingDestination[] = "recording_lifecycle";
bool ForRecording(const realtime_push::v1::RoomEvent& event);

// Enqueues `event` for the room of `stream_id` in `tx`, as Event.type
// "product_inventory.<type>" (e.g. "product_created") with aggregate_id = stream_id, so a
// room's events are published in commit order. Returns the evt_ id (also the room's event id).
std::string EnqueueRoomEvent(pqxx::work& tx, absl::string_view stream_id, absl::string_view type,
                             const realtime_push::v1::RoomEvent& event);

// The room's view of a flash sale.
realtime_push::v1::FlashSaleCard FlashSaleCardOf(const v1::FlashSale& sale);

// The card a room shows for `product` (its stock and flash sale when known).
realtime_push::v1::ProductCard CardOf(const v1::Product& product);

}  // namespace shopcast::product_inventory
