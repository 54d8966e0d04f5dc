#pragma once

// Pins on PostgreSQL. Each change is one transaction that locks the stream's row, checks the
// caller and the product, rewrites the stream's pins and writes a PinsChanged room event (the
// whole ordered list of cards) into the outbox, so viewers see exactly what committed, in
// commit order, and two replicas never pin past the limit together.

#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/hooks.h"
#include "shopcast/auth/caller.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::pins {

// A stream's pins in display order and the pinned products (same order).
struct PinnedView {
  std::vector<v1::PinnedProduct> pins;
  std::vector<v1::Product> products;
};

class PinsStore {
 public:
  // `stock` may be null (no stock area): cards and products then carry no stock.
  PinsStore(db::Pool& pool, StockHooks* stock, int max_pins);

  // The stream's host (or an admin) pins a LISTED or PAUSED product of that stream; see
  // pin_list.h for positions, moves and the limit. NOT_FOUND STREAM_NOT_FOUND /
  // PRODUCT_NOT_FOUND, PERMISSION_DENIED NOT_STREAM_OWNER, FAILED_PRECONDITION STREAM_ENDED /
  // PRODUCT_NOT_IN_STREAM / PRODUCT_ARCHIVED / PRODUCT_NOT_LISTED / PIN_LIMIT_REACHED.
  absl::StatusOr<PinnedView> Pin(const auth::Caller& caller, const std::string& stream_id,
                                 const std::string& product_id, int position, absl::Time now);
  // Idempotent: a product that is not pinned (or a stream that ended, whose pins are gone)
  // leaves everything as it was. Same stream and owner checks as Pin.
  absl::StatusOr<PinnedView> Unpin(const auth::Caller& caller, const std::string& stream_id,
                                   const std::string& product_id);
  // Public. NOT_FOUND STREAM_NOT_FOUND for a stream never heard of.
  absl::StatusOr<PinnedView> List(const std::string& stream_id);

  // EventSink handler: video_ingest.stream_ended clears the stream's pins and announces the
  // empty list once (a stream without pins, or a second delivery, writes nothing).
  absl::Status OnPeerEvent(pqxx::work& tx, const common::v1::Event& event);

 private:
  db::Pool& pool_;
  StockHooks* stock_;
  int max_pins_;
};

}  // namespace shopcast::product_inventory::pins
