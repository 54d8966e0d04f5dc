#include "pins/pins_store.h"

#include <optional>
#include <pqxx/binarystring>
#include <pqxx/pqxx>
#include <utility>

#include "common/pg_time.h"
#include "common/room_events.h"
#include "pins/pin_list.h"
#include "shopcast/db/transaction.h"
#include "shopcast/status/status.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::product_inventory::pins {
namespace {

constexpr char kStreamEnded[] = "video_ingest.stream_ended";

struct LockedStream {
  std::string host_id;
  bool ended = false;
};

bool IsAdmin(const auth::Caller& caller) { return caller.role == auth::Role::kAdmin; }

absl::StatusOr<LockedStream> LockStream(pqxx::work& tx, const std::string& stream_id) {
  pqxx::result r = tx.exec_prepared("pi_pins_lock_stream", stream_id);
  if (r.empty()) return NotFound("STREAM_NOT_FOUND", "no such stream");
  return LockedStream{r[0][0].as<std::string>(), r[0][1].as<bool>()};
}

// The stream's host or an admin, on a stream that has not ended.
absl::Status CheckOwner(const auth::Caller& caller, const LockedStream& stream) {
  if (stream.host_id != caller.user_id && !IsAdmin(caller)) {
    return PermissionDenied("NOT_STREAM_OWNER", "the stream is another host's");
  }
  return absl::OkStatus();
}

absl::Status StreamEnded() {
  return Error(absl::StatusCode::kFailedPrecondition, "STREAM_ENDED", "the stream has ended");
}

// As the catalogue stores it (catalog_store.cc ProductFromRow, which is private to that area);
// the read-only parts (stock) are filled by the caller.
std::optional<v1::Product> ReadProduct(pqxx::work& tx, const std::string& id) {
  pqxx::result r = tx.exec_prepared("pi_pins_select_product", id);
  if (r.empty()) return std::nullopt;
  v1::Product p;
  p.ParseFromString(pqxx::binarystring(r[0][3]).str());
  p.set_id(id);
  p.set_seller_id(r[0][0].as<std::string>());
  p.set_stream_id(r[0][1].as<std::string>());
  p.set_status(static_cast<v1::ProductStatus>(r[0][2].as<int>()));
  p.set_version(r[0][4].as<int64_t>());
  ToProto(FromMicros(r[0][5].as<int64_t>()), p.mutable_created_at());
  ToProto(FromMicros(r[0][6].as<int64_t>()), p.mutable_updated_at());
  return p;
}

PinList ReadPins(pqxx::work& tx, const std::string& stream_id) {
  PinList pins;
  for (const pqxx::row& row : tx.exec_prepared("pi_pins_select", stream_id)) {
    pins.push_back(Pin{row[0].as<std::string>(), FromMicros(row[1].as<int64_t>())});
  }
  return pins;
}

// Positions are rewritten from 0 on every change; the list is at most max_pins long.
void WritePins(pqxx::work& tx, const std::string& stream_id, const PinList& pins) {
  tx.exec_prepared0("pi_pins_delete", stream_id);
  for (size_t i = 0; i < pins.size(); ++i) {
    tx.exec_prepared0("pi_pins_insert", stream_id, pins[i].product_id, static_cast<int>(i),
                      absl::ToUnixMicros(pins[i].pinned_at));
  }
}

// Everything the room shows for a change: the whole ordered list, so clients replace theirs.
void Announce(pqxx::work& tx, const std::string& stream_id, const PinnedView& view,
              const std::string& product_id, bool pinned_now) {
  realtime_push::v1::RoomEvent event;
  realtime_push::v1::PinsChanged* changed = event.mutable_pins_changed();
  for (const v1::Product& p : view.products) *changed->add_pinned() = CardOf(p);
  changed->set_product_id(product_id);
  changed->set_pinned_now(pinned_now);
  EnqueueRoomEvent(tx, stream_id, "pins_changed", event);
}

}  // namespace

PinsStore::PinsStore(db::Pool& pool, StockHooks* stock, int max_pins)
    : pool_(pool), stock_(stock), max_pins_(max_pins) {}

namespace {

// The view of `pins` with their products and (when the stock area is wired) their stock.
absl::StatusOr<PinnedView> ViewOf(pqxx::work& tx, StockHooks* stock, const PinList& pins) {
  PinnedView view;
  std::vector<std::string> ids;
  for (size_t i = 0; i < pins.size(); ++i) {
    std::optional<v1::Product> product = ReadProduct(tx, pins[i].product_id);
    // pins.product_id references products, and products are never deleted.
    if (!product.has_value()) return absl::InternalError("a pinned product has no row");
    v1::PinnedProduct pin;
    pin.set_product_id(pins[i].product_id);
    pin.set_position(static_cast<int>(i));
    ToProto(pins[i].pinned_at, pin.mutable_pinned_at());
    view.pins.push_back(std::move(pin));
    view.products.push_back(*std::move(product));
    ids.push_back(pins[i].product_id);
  }
  if (stock != nullptr && !ids.empty()) {
    ASSIGN_OR_RETURN(auto by_id, stock->ReadStock(tx, ids));
    for (v1::Product& p : view.products) {
      auto it = by_id.find(p.id());
      if (it != by_id.end()) *p.mutable_stock() = it->second;
    }
  }
  return view;
}

}  // namespace

absl::StatusOr<PinnedView> PinsStore::Pin(const auth::Caller& caller, const std::string& stream_id,
                                          const std::string& product_id, int position,
                                          absl::Time now) {
  now = TruncateToMicros(now);
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<PinnedView> {
    ASSIGN_OR_RETURN(LockedStream stream, LockStream(tx, stream_id));
    RETURN_IF_ERROR(CheckOwner(caller, stream));
    if (stream.ended) return StreamEnded();
    std::optional<v1::Product> product = ReadProduct(tx, product_id);
    // Someone else's draft stays invisible, as in GetProduct.
    if (!product.has_value() || (product->status() == v1::PRODUCT_STATUS_DRAFT &&
                                 product->seller_id() != caller.user_id && !IsAdmin(caller))) {
      return NotFound("PRODUCT_NOT_FOUND", "no such product");
    }
    if (product->stream_id() != stream_id) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_NOT_IN_STREAM",
                   "only a product attached to the stream can be pinned in it");
    }
    if (product->status() == v1::PRODUCT_STATUS_ARCHIVED) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_ARCHIVED",
                   "an archived product cannot be pinned");
    }
    // A pinned draft would show viewers a product they cannot see anywhere else.
    if (product->status() == v1::PRODUCT_STATUS_DRAFT) {
      return Error(absl::StatusCode::kFailedPrecondition, "PRODUCT_NOT_LISTED",
                   "list the product before pinning it");
    }
    ASSIGN_OR_RETURN(PinChange change,
                     ApplyPin(ReadPins(tx, stream_id), product_id, position, max_pins_, now));
    if (change.changed) WritePins(tx, stream_id, change.pins);
    ASSIGN_OR_RETURN(PinnedView view, ViewOf(tx, stock_, change.pins));
    if (change.changed) Announce(tx, stream_id, view, product_id, /*pinned_now=*/true);
    return view;
  });
}

absl::StatusOr<PinnedView> PinsStore::Unpin(const auth::Caller& caller,
                                            const std::string& stream_id,
                                            const std::string& product_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<PinnedView> {
    ASSIGN_OR_RETURN(LockedStream stream, LockStream(tx, stream_id));
    RETURN_IF_ERROR(CheckOwner(caller, stream));
    std::optional<v1::Product> product = ReadProduct(tx, product_id);
    if (!product.has_value() || (product->status() == v1::PRODUCT_STATUS_DRAFT &&
                                 product->seller_id() != caller.user_id && !IsAdmin(caller))) {
      return NotFound("PRODUCT_NOT_FOUND", "no such product");
    }
    // An ended stream's pins were cleared at its end: nothing is pinned, nothing to do.
    PinChange change = ApplyUnpin(ReadPins(tx, stream_id), product_id);
    if (change.changed) WritePins(tx, stream_id, change.pins);
    ASSIGN_OR_RETURN(PinnedView view, ViewOf(tx, stock_, change.pins));
    if (change.changed) Announce(tx, stream_id, view, product_id, /*pinned_now=*/false);
    return view;
  });
}

absl::StatusOr<PinnedView> PinsStore::List(const std::string& stream_id) {
  return db::InTransaction(pool_, [&](pqxx::work& tx) -> absl::StatusOr<PinnedView> {
    if (tx.exec_prepared("pi_streams_select", stream_id).empty()) {
      return NotFound("STREAM_NOT_FOUND", "no such stream");
    }
    return ViewOf(tx, stock_, ReadPins(tx, stream_id));
  });
}

absl::Status PinsStore::OnPeerEvent(pqxx::work& tx, const common::v1::Event& event) {
  if (event.type() != kStreamEnded) return absl::OkStatus();
  video_ingest::v1::StreamEnded ended;
  if (!event.payload().UnpackTo(&ended)) {
    return InvalidArgument("events.payload", "EVENT_PAYLOAD_INVALID",
                           "the event's payload is not its type's message");
  }
  // The stream directory's handler ran first in this transaction and recorded the end; the
  // lock waits for a Pin that checked the stream before it, so its pin is cleared too.
  pqxx::result r = tx.exec_prepared("pi_pins_lock_stream", ended.stream_id());
  if (r.empty()) return absl::OkStatus();
  if (ReadPins(tx, ended.stream_id()).empty()) return absl::OkStatus();
  WritePins(tx, ended.stream_id(), {});
  Announce(tx, ended.stream_id(), PinnedView{}, /*product_id=*/"", /*pinned_now=*/false);
  return absl::OkStatus();
}

}  // namespace shopcast::product_inventory::pins
