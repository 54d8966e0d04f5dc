#pragma once

// The lifecycle's writes on the order database: decisions (cancel, ship, refund) taken under
// the order's row lock with their events, and the steps of the remote work they leave (void,
// release, refund, return_stock) recorded one by one under the lifecycle lease.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "checkout/order_record.h"
#include "shopcast/db/pool.h"
#include "shopcast/order/v1/order.pb.h"

namespace shopcast::order::lifecycle {

// Outbox destination of access-pass revocations.
inline constexpr char kVideoIngestDestination[] = "video_ingest";

// orders.lifecycle_step: the remote call that runs next.
namespace step {
inline constexpr char kNone[] = "";
inline constexpr char kVoid[] = "void";                 // void the payment (unpaid cancel)
inline constexpr char kRelease[] = "release";           // release the hold (unpaid cancel)
inline constexpr char kRefund[] = "refund";             // the next order_refunds row
inline constexpr char kReturnStock[] = "return_stock";  // ReturnCommittedStock per line
}  // namespace step

// An order as a decision sees it, read under its row lock.
struct LockedOrder {
  checkout::OrderRecord rec;
  std::string lifecycle_step;
  bool return_stock = false;
  // Every refund asked for so far (confirmed or not).
  int64_t refunds_asked_minor = 0;
  // The refund already stored under the request's key: its fingerprint.
  std::optional<std::string> same_key_fingerprint;
};

struct RefundRow {
  std::string refund_key;  // '' for CancelOrder's refund
  std::string refund_id;
  std::string fingerprint;
  int64_t amount_minor = 0;
  bool full = false;
  bool keep_stock = false;
  std::string requested_by;
  std::string note;
};

// What a decision changes; `write` false leaves everything as it is (an idempotent repeat).
struct Decision {
  bool write = false;
  // The order's new status, cancel_*, carrier, tracking_number, shipped_at and cancelled_at.
  v1::Order order;
  // An unpaid order cancelled: its saga ends now, and the payment is voided, the hold released.
  bool take_over_saga = false;
  std::optional<RefundRow> refund;
  // The units go back on sale (and leave the stream's sold counters).
  bool return_stock = false;
};

struct Decided {
  checkout::OrderRecord rec;  // as stored after the decision
  std::string lifecycle_step;
  bool wrote = false;
  // This runner holds the lifecycle lease (there is work and nobody else runs it).
  bool leased = false;
};

// One recorded step's changes.
struct StepRecord {
  std::string from;  // the step that ran
  // The payment's status as the provider now reports it (0: unchanged), its settled time.
  int payment_status = 0;
  absl::Time settled_at = absl::InfinitePast();
  std::string refunded_id;  // the refund row the provider confirmed
  bool stock_returned = false;
  // The hold turned out committed (release refused): return its stock instead.
  bool return_stock_instead = false;
};

class LifecycleStore {
 public:
  explicit LifecycleStore(db::Pool& pool) : pool_(pool) {}

  // Locks `order_id`, reads it (and the refund stored under `refund_key`, when not empty),
  // asks `decide`, and applies its decision in the same transaction with the events: the
  // order's order_status_changed when its status moved; when a paid order ends (CANCELLED or
  // REFUNDED from CONFIRMED or SHIPPED), a sale_cancelled per product line and an
  // access_pass_revoked per access-pass line. Whatever work remains is leased to `owner` until
  // `lease_until` unless another live runner has it. `decide`'s error rolls everything back.
  // NOT_FOUND ORDER_NOT_FOUND.
  absl::StatusOr<Decided> Decide(
      const std::string& order_id, const std::string& refund_key,
      const std::function<absl::StatusOr<Decision>(const LockedOrder&)>& decide,
      const std::string& owner, absl::Time lease_until, absl::Time now);

  // Takes the order's lifecycle work when free, lapsed or `owner`'s; false when there is none
  // or another runner has it.
  absl::StatusOr<bool> Claim(const std::string& order_id, const std::string& owner,
                             absl::Time lease_until, absl::Time now);
  absl::Status Unlease(const std::string& order_id, const std::string& owner,
                       absl::Time resume_after);
  // Leases up to `limit` orders with due lifecycle work nobody runs to `owner`.
  absl::StatusOr<std::vector<std::string>> ClaimDue(const std::string& owner,
                                                    absl::Time lease_until, absl::Time now,
                                                    int limit);
  absl::StatusOr<int64_t> CountUnfinished();

  // The order, its lifecycle step, and for step "refund" the refund that runs next.
  struct Work {
    checkout::OrderRecord rec;
    std::string lifecycle_step;
    std::string lease_owner;
    std::string refund_id;
    int64_t refund_minor = 0;
  };
  absl::StatusOr<Work> Read(const std::string& order_id);

  // Records `record` and moves the order to what remains, renewing `owner`'s lease; returns
  // the next step. ABORTED LEASE_LOST when the order is no longer at record.from under it.
  absl::StatusOr<std::string> Record(const std::string& order_id, const StepRecord& record,
                                     const std::string& owner, absl::Time lease_until,
                                     absl::Time now);

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::order::lifecycle
