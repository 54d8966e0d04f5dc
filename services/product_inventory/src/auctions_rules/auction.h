#pragma once

// A live auction's rules as pure functions over plain values (Whatnot's and eBay's model):
// bids with maximum ("proxy") amounts, the increment table, anti-sniping, buy-now and the close.
// The caller (the auction store) loads the state, applies one of these inside its transaction
// and writes the result back; nothing here knows about the database, the clock or gRPC.
//
// Proxy bidding: a bid's amount is the most the bidder will pay. The leader pays only what it
// takes to beat the next-highest maximum: one increment above it, or their own maximum if that
// is less. Equal maximums go to whoever reached that maximum first. Nobody outbids themselves:
// a leader who bids again only raises their hidden maximum.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auctions_rules/increment_table.h"
#include "auctions_rules/money.h"

namespace shopcast::product_inventory::auctions_rules {

// Payload key carrying, on a BID_TOO_LOW status, the minimum next bid in minor units (decimal).
inline constexpr char kMinimumNextBidPayload[] = "type.shopcast.dev/minimum_next_bid_minor";

// How an auction runs; frozen when it starts. All amounts in `currency`'s minor units.
struct AuctionTerms {
  std::string seller_id;
  std::string currency;
  int64_t starting_bid_minor = 0;
  // No sale at close below this; never shown to bidders, only whether it is met.
  std::optional<int64_t> reserve_minor;
  // Anyone may end the auction at this price while the current price is below it.
  std::optional<int64_t> buy_now_minor;
  IncrementTable increments = IncrementTable::Default();
  // A bid that changes the price or the leader this close to the end moves the end to
  // bid time + anti_snipe_extension. Zero is "sudden death": the end never moves.
  absl::Duration anti_snipe_window = absl::Seconds(15);
  absl::Duration anti_snipe_extension = absl::Seconds(15);
  // The end never moves past the planned end plus this; zero = no cap.
  absl::Duration max_total_extension = absl::Minutes(10);
  // The highest maximum a bid may carry (the platform's price ceiling), so the price, which
  // never exceeds the leader's maximum, stays within it too.
  int64_t max_bid_minor = kMaxAmountMinor;
};

// Checks terms as a seller set them: currency; starting bid 1..kMaxAmountMinor
// (STARTING_BID_OUT_OF_RANGE); reserve >= starting bid (RESERVE_BELOW_STARTING_BID); buy-now at
// least the starting bid plus its increment and at least the reserve (BUY_NOW_TOO_LOW);
// durations not negative and an extension when a window is set (ANTI_SNIPE_INVALID). All
// INVALID_ARGUMENT with the offending field.
absl::Status ValidateTerms(const AuctionTerms& terms);

enum class AuctionStatus { kOpen, kClosed };

enum class AuctionOutcome {
  kNone,           // Still open.
  kSold,           // The leader met the reserve and wins at the current price.
  kBoughtNow,      // Someone paid the buy-now price.
  kNoBids,         // Nobody bid; the lot goes back to stock.
  kReserveNotMet,  // Bids, but the price stayed below the reserve; back to stock.
  kCancelled,      // The host cancelled; back to stock.
};

struct Leader {
  std::string bidder_id;
  // Hidden from everyone but the leader.
  int64_t max_minor = 0;

  friend bool operator==(const Leader&, const Leader&) = default;
};

struct AuctionState {
  AuctionStatus status = AuctionStatus::kOpen;
  absl::Time started_at;
  absl::Time original_ends_at;
  // Including extensions.
  absl::Time ends_at;
  int extension_count = 0;
  // Unset before the first bid.
  std::optional<Leader> leader;
  // The visible price; meaningful once there is a leader.
  int64_t price_minor = 0;
  // Visible bids so far (a proxy's automatic bids included).
  int bid_count = 0;
  AuctionOutcome outcome = AuctionOutcome::kNone;
  // kSold / kBoughtNow.
  std::string winner_id;
  int64_t winning_minor = 0;
  absl::Time closed_at;
};

// An auction opened at `now` for `duration`.
AuctionState OpenAuction(absl::Time now, absl::Duration duration);

// The lowest amount PlaceBid accepts now: the starting bid before the first bid, else the
// price plus its increment.
int64_t MinimumNextBid(const AuctionTerms& terms, const AuctionState& state);
// False while a reserve exists and the price is below it (or nobody bid).
bool ReserveMet(const AuctionTerms& terms, const AuctionState& state);
// A buy-now price is set, the auction is open and the price is below it.
bool BuyNowAvailable(const AuctionTerms& terms, const AuctionState& state);

struct BidRequest {
  std::string bidder_id;
  // The most the bidder will pay.
  Money amount;
  // Server time of the bid.
  absl::Time now;
};

enum class BidEffect {
  kLeading,        // The bidder leads now (first bid, or above the old leader's maximum).
  kOutbidByProxy,  // Accepted, but the leader's maximum covered it; the proxy answered.
  kMaxRaised,      // The leader raised their own maximum; the price did not move (except up
                   // to a reserve their new maximum meets).
};

// A visible bid a PlaceBid produced, in order, for the bid history and the room.
struct BidRecord {
  std::string bidder_id;
  int64_t amount_minor = 0;
  // Placed by the proxy on the bidder's behalf.
  bool proxy = false;

  friend bool operator==(const BidRecord&, const BidRecord&) = default;
};

struct BidResult {
  AuctionState state;
  BidEffect effect = BidEffect::kLeading;
  std::vector<BidRecord> records;
  // The end moved (anti-sniping).
  bool extended = false;
  // Set when the lead changed hands: who was outbid, to tell them.
  std::string outbid_id;
};

// Applies a bid. Refusals, with nothing changed:
//   FAILED_PRECONDITION/AUCTION_NOT_OPEN   closed, or now is at or past ends_at
//   PERMISSION_DENIED/SELLER_CANNOT_BID    the seller bidding on their own lot
//   INVALID_ARGUMENT/BIDDER_REQUIRED       no bidder id
//   INVALID_ARGUMENT/CURRENCY_MISMATCH     amount in another currency (field amount.currency)
//   INVALID_ARGUMENT/BID_AMOUNT_INVALID    amount not 1..kMaxAmountMinor (amount.amount_minor)
//   FAILED_PRECONDITION/BID_TOO_LOW        below MinimumNextBid (payload kMinimumNextBidPayload)
//   FAILED_PRECONDITION/ALREADY_HIGHEST_BIDDER  the leader bidding no more than their maximum
absl::StatusOr<BidResult> PlaceBid(const AuctionTerms& terms, const AuctionState& state,
                                   const BidRequest& bid);

// Ends the auction at once, sold to `buyer_id` at the buy-now price, which must equal
// `expected_price` (what the buyer saw). Refusals: AUCTION_NOT_OPEN, SELLER_CANNOT_BID,
// BIDDER_REQUIRED, CURRENCY_MISMATCH, FAILED_PRECONDITION/BUY_NOW_UNAVAILABLE (no buy-now
// price, or the price reached it), FAILED_PRECONDITION/PRICE_CHANGED.
absl::StatusOr<AuctionState> BuyNow(const AuctionTerms& terms, const AuctionState& state,
                                    absl::string_view buyer_id, const Money& expected_price,
                                    absl::Time now);

enum class CloseMode {
  kOnTime,  // The timer: refused (FAILED_PRECONDITION/AUCTION_NOT_ENDED) before ends_at, so a
            // timer set before an extension simply finds it still running.
  kNow,     // The host ends it early; the outcome is decided as at the end.
  kCancel,  // The host cancels: nobody wins.
};

// Closes an open auction (FAILED_PRECONDITION/AUCTION_NOT_OPEN if closed): the leader wins at
// the current price if the reserve is met (kSold), else kReserveNotMet; kNoBids without bids.
absl::StatusOr<AuctionState> Close(const AuctionTerms& terms, const AuctionState& state,
                                   absl::Time now, CloseMode mode);

}  // namespace shopcast::product_inventory::auctions_rules
