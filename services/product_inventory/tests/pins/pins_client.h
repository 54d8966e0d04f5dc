#pragma once

// Helpers for the pins pg tests: a host's live stream with products in it, the three pins
// calls, video-ingest's stream_ended delivered through the EventSink, and the PinsChanged room
// events read back from the outbox in commit order.

#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

#include "catalog_client.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"
#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::product_inventory::testing {

// One PinsChanged room event as the outbox holds it.
struct PinsEvent {
  std::vector<std::string> pinned;  // product ids, display order
  std::string product_id;
  bool pinned_now = false;
};

class Pins {
 public:
  Pins(AppFixture& f, Replica& r)
      : f_(f),
        r_(r),
        c_(f, r),
        type_(c_.CreateApparelType()),
        profile_(c_.CreateProfile(c_.host())) {
    stream_ = f.AddStream("usr_host");
  }
  // The same world (type, profile, stream) seen through another replica `r`.
  Pins(Pins& world, Replica& r)
      : f_(world.f_),
        r_(r),
        c_(world.f_, r),
        type_(world.type_),
        profile_(world.profile_),
        stream_(world.stream_) {}

  Catalog& c() { return c_; }
  const std::string& stream() const { return stream_; }

  // A product of usr_host attached to `stream` ("" = the fixture's stream) with `status`.
  std::string Product(const std::string& key, std::string stream = "",
                      pb::ProductStatus status = pb::PRODUCT_STATUS_LISTED) {
    pb::CreateProductRequest req = Catalog::FixedPrice(type_, profile_, key);
    req.mutable_product()->set_title("Pinned thing " + key);
    if (stream.empty()) stream = stream_;
    if (stream != "none") req.mutable_product()->set_stream_id(stream);
    req.mutable_product()->set_status(status);
    auto r = c_.Create(c_.host(), req);
    if (!r.status.ok()) throw std::runtime_error("product: " + r.status.error_message());
    return r.response.product().id();
  }

  Result<pb::PinProductResponse> Pin(const std::string& token, const std::string& stream,
                                     const std::string& product, int position) {
    pb::PinProductRequest req;
    req.set_stream_id(stream);
    req.set_product_id(product);
    req.set_position(position);
    return c_.Call(&pb::ProductInventoryService::Stub::PinProduct, token, req);
  }
  Result<pb::PinProductResponse> Pin(const std::string& product, int position) {
    return Pin(c_.host(), stream_, product, position);
  }

  Result<pb::UnpinProductResponse> Unpin(const std::string& token, const std::string& stream,
                                         const std::string& product) {
    pb::UnpinProductRequest req;
    req.set_stream_id(stream);
    req.set_product_id(product);
    return c_.Call(&pb::ProductInventoryService::Stub::UnpinProduct, token, req);
  }
  Result<pb::UnpinProductResponse> Unpin(const std::string& product) {
    return Unpin(c_.host(), stream_, product);
  }

  // Without a token: the list is public.
  Result<pb::ListPinnedProductsResponse> List(const std::string& stream) {
    pb::ListPinnedProductsRequest req;
    req.set_stream_id(stream);
    return c_.Call(&pb::ProductInventoryService::Stub::ListPinnedProducts, "", req);
  }

  // The pinned ids of `stream` in display order, checking the list's own consistency
  // (positions 0..n-1, products in the same order as pins).
  std::vector<std::string> Pinned(const std::string& stream = "") {
    auto r = List(stream.empty() ? stream_ : stream);
    if (!r.status.ok()) throw std::runtime_error("list: " + r.status.error_message());
    std::vector<std::string> ids;
    for (int i = 0; i < r.response.pins_size(); ++i) {
      const auto& pin = r.response.pins(i);
      if (pin.position() != i || r.response.products_size() <= i ||
          r.response.products(i).id() != pin.product_id()) {
        throw std::runtime_error("inconsistent pin list");
      }
      ids.push_back(pin.product_id());
    }
    if (r.response.products_size() != r.response.pins_size()) {
      throw std::runtime_error("inconsistent pin list");
    }
    return ids;
  }

  // Delivers video-ingest's stream_ended for `stream` as event `event_id`, on `r` (default: the
  // replica the helper was made for).
  void EndStream(const std::string& stream, const std::string& event_id, Replica* r = nullptr) {
    f_.EndStream(r ? *r : r_, stream, event_id);
  }

  // The PinsChanged room events of `stream` in the outbox, in commit (outbox id) order.
  std::vector<PinsEvent> Events(const std::string& stream = "") const {
    pqxx::connection conn(f_.dsn());
    pqxx::work tx(conn);
    std::vector<PinsEvent> out;
    for (const pqxx::row& row :
         tx.exec_params("SELECT payload, destination FROM outbox WHERE aggregate_id = $1 AND "
                        "type = 'product_inventory.pins_changed' AND destination = "
                        "'realtime_push' ORDER BY id",
                        stream.empty() ? stream_ : stream)) {
      if (row[1].as<std::string>() != "realtime_push") throw std::runtime_error("destination");
      common::v1::Event event;
      realtime_push::v1::RoomEvent room;
      if (!event.ParseFromString(pqxx::binarystring(row[0]).str()) ||
          !event.payload().UnpackTo(&room) || !room.has_pins_changed()) {
        throw std::runtime_error("not a PinsChanged room event");
      }
      PinsEvent e;
      for (const auto& card : room.pins_changed().pinned()) e.pinned.push_back(card.product_id());
      e.product_id = room.pins_changed().product_id();
      e.pinned_now = room.pins_changed().pinned_now();
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  AppFixture& f_;
  Replica& r_;
  Catalog c_;
  pb::ProductType type_;
  pb::ShippingProfile profile_;
  std::string stream_;
};

using Ids = std::vector<std::string>;

}  // namespace shopcast::product_inventory::testing
