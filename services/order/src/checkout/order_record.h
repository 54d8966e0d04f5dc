#pragma once

// An order as the checkout keeps it: what clients see (v1::Order) plus the saga's own state.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "shopcast/order/v1/order.pb.h"

namespace shopcast::order::checkout {

// The saga's steps, as stored in orders.step. Each names what runs next; every step's outcome
// is recorded (with the next step) before that next step starts, so a resumed saga repeats at
// most the one call whose outcome was not recorded, and every such call is idempotent.
namespace step {
inline constexpr char kLock[] = "lock";                         // lock the reservation
inline constexpr char kAuthorize[] = "authorize";               // authorize the payment
inline constexpr char kAwaitingPayment[] = "awaiting_payment";  // the provider said pending
inline constexpr char kCommit[] = "commit";                     // commit the reservation
inline constexpr char kCapture[] = "capture";                   // capture the payment
inline constexpr char kVoid[] = "void";        // compensate: void the payment, then release
inline constexpr char kRelease[] = "release";  // compensate: release the reservation, then fail
inline constexpr char kDone[] = "done";        // nothing left to do
}  // namespace step

struct OrderRecord {
  v1::Order order;
  std::string step;
  std::string method_token;
  std::string buyer_display_name;
  // When the provider first answered "pending"; InfinitePast if it never did.
  absl::Time pending_since = absl::InfinitePast();
  // Per line (same index as order.lines): when the buyer claimed the item.
  std::vector<absl::Time> reserved_at;
};

}  // namespace shopcast::order::checkout
