#pragma once

// The queue's state in PostgreSQL (migrations/V007): configuring a product's queue, tickets
// taken, read, left and claimed, and the advancer's unit of work — one due queue advanced in
// one transaction (offers FIFO, lapses, cancellations, with their room events). Every method is
// one transaction; the pool must have sql::PreparedStatements() and the stock area's.

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "queue/queue_types.h"
#include "shopcast/auth/caller.h"
#include "shopcast/db/pool.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::queue {

struct ConfigureResult {
  QueueConfig config;
  int64_t queue_length = 0;
  int64_t cancelled = 0;
};

struct ClaimResult {
  TicketView ticket;
  v1::Reservation reservation;
};

// What one advance did to one queue.
struct AdvanceResult {
  std::string product_id;  // Empty: nothing was due.
  int offers = 0;
  int settled = 0;    // Offers lapsed or found claimed.
  int cancelled = 0;  // Waiting tickets cancelled.
};

class QueueStore {
 public:
  using NewId = std::function<std::string(absl::string_view prefix)>;
  // Writes the product's card (product_updated, with its queue now) to its room in `tx`: the
  // catalogue's, wired by the App (CatalogStore::AnnounceCurrent).
  using AnnounceProduct =
      std::function<absl::Status(pqxx::work& tx, const std::string& product_id)>;

  // `pool` outlives this. `announce_product` may be empty (no card is announced).
  QueueStore(db::Pool& pool, WallClock clock, NewId new_id,
             AnnounceProduct announce_product = nullptr);

  // ConfigureQueue: the product's host or an admin switches its queue on/off or retunes it;
  // off cancels the waiting tickets. Announces queue_updated and the product's card in the
  // same transaction.
  absl::StatusOr<ConfigureResult> Configure(const auth::Caller& caller,
                                            const std::string& product_id,
                                            const QueueConfig& config);
  // Enqueue (quantity already checked): the caller's live ticket, new or existing.
  absl::StatusOr<TicketView> Enqueue(const auth::Caller& caller, const std::string& product_id,
                                     int32_t quantity);
  // The ticket and where it stands; its holder or an admin.
  absl::StatusOr<TicketView> Get(const auth::Caller& caller, const std::string& ticket_id);
  // The holder leaves (an offer's hold is released). Idempotent on settled tickets.
  absl::StatusOr<TicketView> Leave(const auth::Caller& caller, const std::string& ticket_id);
  // The holder claims an offer: its hold lasts the product's hold duration from now.
  absl::StatusOr<ClaimResult> Claim(const auth::Caller& caller, const std::string& ticket_id);

  // Claims one due queue not in `excluded` (FOR UPDATE SKIP LOCKED: one replica at a time)
  // and advances it in one transaction; each offer's holder gets a QUEUE_ADMITTED
  // notification through the outbox in it (offer_notice.h). product_id is empty when none was
  // due.
  absl::StatusOr<AdvanceResult> AdvanceOneDue(const std::vector<std::string>& excluded);
  // The earliest claim deadline of any offer, if any.
  absl::StatusOr<std::optional<absl::Time>> NextDeadline();
  // Writes one queue_updated room event with the queue's committed length, for a product of a
  // stream with a queue; false when there is nothing to announce.
  absl::StatusOr<bool> AnnounceLength(const std::string& product_id);

  absl::Time Now() const;

 private:
  db::Pool& pool_;
  const WallClock clock_;
  const NewId new_id_;
  const AnnounceProduct announce_product_;
};

}  // namespace shopcast::product_inventory::queue
