#pragma once

// Auctions on PostgreSQL. Every change of an auction (a bid, buy-now, a close by the host or by
// the closer) runs in one transaction that first locks the auction's row, applies the pure rules
// (auctions_rules) to the state it read, writes the new state, the visible bids and the room
// events (outbox), and, at a sale, the winner's hold (AuctionHooks): bids on one lot are applied
// one at a time in commit order, and nothing is announced that did not commit.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "auctions/auction_model.h"
#include "common/hooks.h"
#include "shopcast/auth/caller.h"
#include "shopcast/common/v1/event.pb.h"
#include "shopcast/db/pool.h"
#include "shopcast/pagetoken/codec.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::auctions {

// Makes "<prefix>_…" ids.
using IdMaker = std::function<std::string(absl::string_view prefix)>;

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<pagetoken::Cursor> next;
};

class AuctionStore {
 public:
  // `hooks` may be null (no stock area): closes then record the winner without a hold.
  // Bids above `price_ceiling_minor` (the platform's ceiling on every price) are refused.
  AuctionStore(db::Pool& pool, IdMaker new_id, AuctionHooks* hooks,
               int64_t price_ceiling_minor = rules::kMaxAmountMinor);

  // Opens an auction of `product_id` for its seller (or an admin); `duration` zero = the
  // product's. A repeated (caller, key) returns the auction it started.
  absl::StatusOr<v1::Auction> Start(const auth::Caller& caller, const std::string& product_id,
                                    absl::Duration duration, const std::string& key);
  // Applies a bid (auctions_rules::PlaceBid) at the server's time; a repeated (caller, key)
  // returns the first answer.
  absl::StatusOr<v1::PlaceBidResponse> PlaceBid(const auth::Caller& caller,
                                                const std::string& auction_id,
                                                const common::v1::Money& amount,
                                                const std::string& key);
  absl::StatusOr<v1::BuyNowResponse> BuyNow(const auth::Caller& caller,
                                            const std::string& auction_id,
                                            const common::v1::Money& expected_price,
                                            const std::string& key);
  // The seller (or an admin) ends an open auction now, or cancels it. Idempotent on an auction
  // closed the same way.
  absl::StatusOr<v1::Auction> Close(const auth::Caller& caller, const std::string& auction_id,
                                    bool cancel);
  // `caller` null for anonymous readers (the reserve is the seller's only).
  absl::StatusOr<v1::Auction> Get(const std::string& auction_id, const auth::Caller* caller);
  // A stream's auctions, newest first; `status` 0 = all.
  absl::StatusOr<Page<v1::Auction>> List(const std::string& stream_id, int status,
                                         const auth::Caller* caller, const pagetoken::Cursor& after,
                                         int limit);
  // An auction's visible bids, highest (latest) first.
  absl::StatusOr<Page<v1::Bid>> ListBids(const std::string& auction_id,
                                         const pagetoken::Cursor& after, int limit);

  // The closer's step: claims the most overdue open auction no other replica holds
  // (SKIP LOCKED) and closes it on time. True if one was closed, false if none is due.
  absl::StatusOr<bool> CloseOneDue();

  // EventSink handler (after the stream directory's, in its transaction): at
  // video_ingest.stream_ended every open auction of the stream closes now, as the host's
  // CloseAuction would (the leader wins if the reserve is met, and gets the hold).
  absl::Status OnPeerEvent(pqxx::work& tx, const common::v1::Event& event, absl::Time now);

 private:
  db::Pool& pool_;
  IdMaker new_id_;
  AuctionHooks* hooks_;
  int64_t price_ceiling_minor_;
};

}  // namespace shopcast::product_inventory::auctions
