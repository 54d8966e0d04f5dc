#include "auctions/auction_closer.h"

#include "common/due_rounds.h"

namespace shopcast::product_inventory::auctions {

AuctionCloser::AuctionCloser(AuctionStore& store, absl::Duration interval)
    : store_(store), worker_(interval, [this] { return Round(); }) {}

AuctionCloser::~AuctionCloser() { Stop(); }

bool AuctionCloser::Round() {
  return HandleAllDue(
      worker_, [this] { return store_.CloseOneDue(); }, "auction_close_failed");
}

}  // namespace shopcast::product_inventory::auctions
