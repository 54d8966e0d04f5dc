#pragma once

// The orders, their lines and the buyers' idempotency keys in PostgreSQL, and the events the
// checkout writes to the outbox with them.

#include <cstdint>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "checkout/order_record.h"
#include "shopcast/db/pool.h"

namespace shopcast::order::checkout {

// Outbox destinations of the order's events.
inline constexpr char kRoomDestination[] = "realtime_push";
inline constexpr char kRecordingDestination[] = "recording_lifecycle";
// video-ingest's EventSink: access passes granted (and revoked), and each sale_recorded, which
// it shows in the stream's live playlist as an EXT-X-DATERANGE (live timed metadata).
inline constexpr char kIngestDestination[] = "video_ingest";

struct KeyHit {
  std::string order_id;
  std::string fingerprint;
};

// An access pass to a gated stream (its one line names the stream): no product, no
// reservation, no shipping; product-inventory plays no part in its saga.
inline bool IsAccessPass(const v1::Order& o) {
  return o.lines_size() > 0 && !o.lines(0).access_stream_id().empty();
}

// A buyer's live access-pass order for a stream (PENDING_PAYMENT or CONFIRMED).
struct LivePass {
  std::string order_id;
  v1::OrderStatus status = v1::ORDER_STATUS_UNSPECIFIED;
};

struct ListQuery {
  bool as_seller = false;
  std::string user_id;
  std::vector<int> statuses;  // empty: all
  std::string stream_id;      // empty: all
  absl::Time created_after = absl::InfinitePast();
  absl::Time created_before = absl::InfiniteFuture();
  // Keyset position: rows strictly older than (after_created, after_id).
  absl::Time after_created = absl::InfiniteFuture();
  std::string after_id;
  int limit = 20;
};

// The order with its lines, read inside `tx` (the lifecycle reads it under its own row lock);
// NOT_FOUND ORDER_NOT_FOUND.
absl::StatusOr<OrderRecord> ReadOrderIn(pqxx::work& tx, const std::string& order_id);

class OrderStore {
 public:
  explicit OrderStore(db::Pool& pool) : pool_(pool) {}

  // The live key (buyer_id, key) at `now`, if any.
  absl::StatusOr<std::optional<KeyHit>> FindKey(const std::string& buyer_id, const std::string& key,
                                                absl::Time now);

  // In one transaction: the idempotency key (kept `key_ttl`), the order (leased to `owner`
  // until `lease_until`) with its lines, and its order_status_changed event. When a live key
  // already exists nothing is written and its hit is returned instead. An access-pass order
  // (its line names access_stream_id) is refused with ALREADY_EXISTS ACCESS_PASS_EXISTS, and
  // nothing written, while the buyer has another live pass order for the stream.
  absl::StatusOr<std::optional<KeyHit>> Create(const OrderRecord& record, const std::string& key,
                                               const std::string& fingerprint,
                                               absl::Duration key_ttl, const std::string& owner,
                                               absl::Time lease_until, absl::Time now);

  // The buyer's live pass order for the stream, if any.
  absl::StatusOr<std::optional<LivePass>> FindLivePass(const std::string& buyer_id,
                                                       const std::string& stream_id);

  // NOT_FOUND ORDER_NOT_FOUND when there is no such order.
  absl::StatusOr<OrderRecord> Get(const std::string& order_id);
  // The order paying with `payment_id`; NOT_FOUND PAYMENT_NOT_FOUND.
  absl::StatusOr<std::string> OrderOfPayment(const std::string& payment_id);

  // Takes the saga's lease when it is free, lapsed or `owner`'s already; false when another
  // runner holds it or the saga is done.
  absl::StatusOr<bool> Claim(const std::string& order_id, const std::string& owner,
                             absl::Time lease_until, absl::Time now);
  // Gives the lease back; recovery may resume the saga from `resume_after`.
  absl::Status Unlease(const std::string& order_id, const std::string& owner,
                       absl::Time resume_after);

  // Records `record`'s state, moved on from `from_step` under `owner`'s lease (renewed to
  // `lease_until`), in one transaction with its events: order_status_changed when the status
  // moved from `previous`, and at CONFIRMED one sale_recorded per line with the stream's
  // counters (an access pass instead: one access_pass_granted to video_ingest, no sale).
  // ABORTED LEASE_LOST when the row is no longer at `from_step` under this lease.
  absl::Status Save(const OrderRecord& record, const std::string& from_step,
                    v1::OrderStatus previous, const std::string& owner, absl::Time lease_until,
                    absl::Time now);

  // Leases up to `limit` unfinished sagas nobody runs (free or lapsed lease, due) to `owner`.
  absl::StatusOr<std::vector<std::string>> ClaimDue(const std::string& owner,
                                                    absl::Time lease_until, absl::Time now,
                                                    int limit);
  // Deletes idempotency keys expired at `now`; returns how many.
  absl::StatusOr<int64_t> DeleteExpiredKeys(absl::Time now);

  // One page (query.limit + 1 rows tell whether more follow), newest first.
  absl::StatusOr<std::vector<OrderRecord>> List(const ListQuery& query);

 private:
  db::Pool& pool_;
};

}  // namespace shopcast::order::checkout
