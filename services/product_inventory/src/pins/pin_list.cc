#include "pins/pin_list.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::pins {
namespace {

PinList::iterator Find(PinList& pins, const std::string& product_id) {
  return std::find_if(pins.begin(), pins.end(),
                      [&](const Pin& p) { return p.product_id == product_id; });
}

}  // namespace

absl::StatusOr<PinChange> ApplyPin(PinList current, const std::string& product_id, int position,
                                   int limit, absl::Time now) {
  PinChange out;
  auto it = Find(current, product_id);
  if (it != current.end()) {
    // A move within the list: the slots are those of the list without it.
    const int from = static_cast<int>(it - current.begin());
    const int to = std::min(position, static_cast<int>(current.size()) - 1);
    if (from == to) {
      out.pins = std::move(current);
      return out;
    }
    Pin moved = std::move(*it);
    current.erase(it);
    current.insert(current.begin() + to, std::move(moved));
    out.pins = std::move(current);
    out.changed = true;
    return out;
  }
  if (static_cast<int>(current.size()) >= limit) {
    return Error(
        absl::StatusCode::kFailedPrecondition, "PIN_LIMIT_REACHED",
        absl::StrCat("the stream already has ", limit, " pinned products; unpin one first"));
  }
  const int to = std::min(position, static_cast<int>(current.size()));
  current.insert(current.begin() + to, Pin{product_id, now});
  out.pins = std::move(current);
  out.changed = true;
  return out;
}

PinChange ApplyUnpin(PinList current, const std::string& product_id) {
  PinChange out;
  auto it = Find(current, product_id);
  if (it != current.end()) {
    current.erase(it);
    out.changed = true;
  }
  out.pins = std::move(current);
  return out;
}

}  // namespace shopcast::product_inventory::pins
