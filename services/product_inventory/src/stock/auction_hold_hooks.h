#pragma once

// The stock area's side of an auction's close (common/hooks.h AuctionHooks): the winner's hold
// through tx::GrantHold in the closing transaction, the start's check that a unit is there to
// auction, and the room's stock announcement once the close committed.

#include <string>

#include "common/hooks.h"
#include "stock/stock_events.h"

namespace shopcast::product_inventory::stock {

class AuctionHoldHooks : public AuctionHooks {
 public:
  // `events` outlives this.
  explicit AuctionHoldHooks(StockEvents& events) : events_(events) {}

  // One unit at `price`, source AUCTION_WIN (BUY_NOW when `bought_now`), source_ref the
  // auction, until now + `hold` (the auction's frozen winner_hold_duration). The per-user limit
  // does not apply: the buyer has won. Idempotency key "auction:<auction_id>", so a close
  // retried after an unanswered commit finds its hold.
  absl::StatusOr<std::string> HoldForWinner(pqxx::work& tx, const std::string& product_id,
                                            const std::string& buyer_id,
                                            const common::v1::Money& price,
                                            const std::string& auction_id, bool bought_now,
                                            absl::Duration hold, absl::Time now) override;
  absl::Status CheckLotAvailable(pqxx::work& tx, const std::string& product_id,
                                 absl::Time now) override;
  void HoldCommitted(const std::string& product_id) override { events_.MarkDirty(product_id); }

 private:
  StockEvents& events_;
};

}  // namespace shopcast::product_inventory::stock
