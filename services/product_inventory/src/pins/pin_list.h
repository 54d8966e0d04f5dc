#pragma once

// A stream's pins as an ordered list, and the two changes a host makes to it. Pure: the store
// reads the list under the stream's row lock, applies one of these, and writes the result back,
// so the rules (limit, positions, idempotency) are unit-tested apart from the database.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shopcast::product_inventory::pins {

struct Pin {
  std::string product_id;
  absl::Time pinned_at;
};

// Display order: index 0 is the most prominent slot.
using PinList = std::vector<Pin>;

struct PinChange {
  PinList pins;
  // False when the request left the list as it was (nothing to write or announce).
  bool changed = false;
};

// Pins `product_id` at `position` (0-based, already checked to be 0..limit-1; beyond the end
// of the list it lands last); the others shift down. A pinned product moves to `position` and
// keeps its pinned_at; at the position it already holds nothing changes. A new pin when
// `limit` are already pinned: FAILED_PRECONDITION PIN_LIMIT_REACHED (nothing is evicted: the
// host decides what goes).
absl::StatusOr<PinChange> ApplyPin(PinList current, const std::string& product_id, int position,
                                   int limit, absl::Time now);

// Removes `product_id`; not pinned means nothing changes.
PinChange ApplyUnpin(PinList current, const std::string& product_id);

}  // namespace shopcast::product_inventory::pins
