#include "auctions_rules/auction.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::auctions_rules {
namespace {

absl::Status NotOpen() {
  return Error(absl::StatusCode::kFailedPrecondition, "AUCTION_NOT_OPEN",
               "the auction is not open");
}

// Checks shared by PlaceBid and BuyNow.
absl::Status CheckCanBuy(const AuctionTerms& terms, const AuctionState& state,
                         absl::string_view bidder_id, const Money& amount, absl::Time now) {
  if (state.status != AuctionStatus::kOpen || now >= state.ends_at) return NotOpen();
  if (bidder_id.empty()) {
    return InvalidArgument("bidder_id", "BIDDER_REQUIRED", "a bid needs a bidder");
  }
  if (bidder_id == terms.seller_id) {
    return PermissionDenied("SELLER_CANNOT_BID", "sellers cannot bid on their own lots");
  }
  if (amount.currency != terms.currency) {
    return InvalidArgument("amount.currency", "CURRENCY_MISMATCH",
                           absl::StrCat("this auction is in ", terms.currency));
  }
  return absl::OkStatus();
}

// A leader whose maximum meets the reserve pays at least the reserve at once, so a single
// keen bidder is not left below it (and unsold) only because nobody pushed the price up.
int64_t LiftToReserve(const AuctionTerms& terms, const Leader& leader, int64_t price) {
  if (terms.reserve_minor && leader.max_minor >= *terms.reserve_minor &&
      price < *terms.reserve_minor) {
    return *terms.reserve_minor;
  }
  return price;
}

// Anti-sniping: a bid inside the window moves the end to bid time + extension, within the cap.
bool MaybeExtend(const AuctionTerms& terms, AuctionState& state, absl::Time now) {
  if (terms.anti_snipe_window <= absl::ZeroDuration()) return false;  // sudden death
  if (now < state.ends_at - terms.anti_snipe_window) return false;
  absl::Time end = std::max(state.ends_at, now + terms.anti_snipe_extension);
  if (terms.max_total_extension > absl::ZeroDuration()) {
    end = std::min(end, state.original_ends_at + terms.max_total_extension);
  }
  if (end <= state.ends_at) return false;
  state.ends_at = end;
  ++state.extension_count;
  return true;
}

}  // namespace

absl::Status ValidateTerms(const AuctionTerms& terms) {
  RETURN_IF_ERROR(ValidateCurrency(terms.currency, "currency"));
  RETURN_IF_ERROR(ValidatePositiveAmount(terms.starting_bid_minor, "starting_bid",
                                         "STARTING_BID_OUT_OF_RANGE"));
  if (terms.reserve_minor) {
    RETURN_IF_ERROR(
        ValidatePositiveAmount(*terms.reserve_minor, "reserve_price", "RESERVE_OUT_OF_RANGE"));
    if (*terms.reserve_minor < terms.starting_bid_minor) {
      return InvalidArgument("reserve_price", "RESERVE_BELOW_STARTING_BID",
                             "the reserve must be at least the starting bid");
    }
  }
  if (terms.buy_now_minor) {
    RETURN_IF_ERROR(
        ValidatePositiveAmount(*terms.buy_now_minor, "buy_now_price", "BUY_NOW_OUT_OF_RANGE"));
    const int64_t minimum =
        std::max(terms.starting_bid_minor + terms.increments.IncrementAt(terms.starting_bid_minor),
                 terms.reserve_minor.value_or(0));
    if (*terms.buy_now_minor < minimum) {
      return InvalidArgument("buy_now_price", "BUY_NOW_TOO_LOW",
                             absl::StrCat("buy-now must be at least ", minimum,
                                          " (the starting bid plus one increment, and the "
                                          "reserve)"));
    }
  }
  if (terms.anti_snipe_window < absl::ZeroDuration() ||
      terms.anti_snipe_extension < absl::ZeroDuration() ||
      terms.max_total_extension < absl::ZeroDuration() ||
      (terms.anti_snipe_window > absl::ZeroDuration() &&
       terms.anti_snipe_extension <= absl::ZeroDuration())) {
    return InvalidArgument("anti_snipe_window", "ANTI_SNIPE_INVALID",
                           "anti-sniping durations must not be negative, and a window needs an "
                           "extension");
  }
  return absl::OkStatus();
}

AuctionState OpenAuction(absl::Time now, absl::Duration duration) {
  AuctionState state;
  state.started_at = now;
  state.original_ends_at = now + duration;
  state.ends_at = state.original_ends_at;
  return state;
}

int64_t MinimumNextBid(const AuctionTerms& terms, const AuctionState& state) {
  if (!state.leader) return terms.starting_bid_minor;
  return state.price_minor + terms.increments.IncrementAt(state.price_minor);
}

bool ReserveMet(const AuctionTerms& terms, const AuctionState& state) {
  if (!terms.reserve_minor) return true;
  return state.leader && state.price_minor >= *terms.reserve_minor;
}

bool BuyNowAvailable(const AuctionTerms& terms, const AuctionState& state) {
  return terms.buy_now_minor && state.status == AuctionStatus::kOpen &&
         (!state.leader || state.price_minor < *terms.buy_now_minor);
}

absl::StatusOr<BidResult> PlaceBid(const AuctionTerms& terms, const AuctionState& state,
                                   const BidRequest& bid) {
  RETURN_IF_ERROR(CheckCanBuy(terms, state, bid.bidder_id, bid.amount, bid.now));
  const int64_t amount = bid.amount.minor;
  RETURN_IF_ERROR(ValidatePositiveAmount(amount, "amount.amount_minor", "BID_AMOUNT_INVALID"));
  if (amount > terms.max_bid_minor) {
    return InvalidArgument("amount.amount_minor", "BID_AMOUNT_INVALID",
                           absl::StrCat("a bid is at most ", terms.max_bid_minor, " minor units"));
  }
  const int64_t minimum = MinimumNextBid(terms, state);
  if (amount < minimum) {
    absl::Status s = Error(absl::StatusCode::kFailedPrecondition, "BID_TOO_LOW",
                           absl::StrCat("the next bid must be at least ", minimum));
    s.SetPayload(kMinimumNextBidPayload, absl::Cord(absl::StrCat(minimum)));
    return s;
  }

  BidResult result;
  result.state = state;
  AuctionState& next = result.state;
  if (!state.leader) {
    // First bid: it leads at the starting bid, whatever its maximum.
    next.leader = Leader{bid.bidder_id, amount};
    next.price_minor = terms.starting_bid_minor;
    result.effect = BidEffect::kLeading;
  } else if (state.leader->bidder_id == bid.bidder_id) {
    if (amount <= state.leader->max_minor) {
      return Error(absl::StatusCode::kFailedPrecondition, "ALREADY_HIGHEST_BIDDER",
                   "you are already the highest bidder; a new bid must raise your maximum");
    }
    next.leader->max_minor = amount;
    result.effect = BidEffect::kMaxRaised;
  } else if (amount <= state.leader->max_minor) {
    // The leader's proxy answers: one increment above the challenger, up to the leader's
    // maximum. An equal maximum stays with the leader, who reached it first.
    result.records.push_back({bid.bidder_id, amount, false});
    next.price_minor =
        std::min(state.leader->max_minor, amount + terms.increments.IncrementAt(amount));
    result.effect = BidEffect::kOutbidByProxy;
  } else {
    // The challenger's maximum is higher: they lead, paying one increment above the old
    // leader's maximum (their own maximum if that is less). The old leader's proxy had bid up
    // to their maximum on the way.
    const Leader& old = *state.leader;
    if (old.max_minor > state.price_minor) {
      result.records.push_back({old.bidder_id, old.max_minor, true});
    }
    next.price_minor = std::min(
        amount, std::max(minimum, old.max_minor + terms.increments.IncrementAt(old.max_minor)));
    next.leader = Leader{bid.bidder_id, amount};
    result.outbid_id = old.bidder_id;
    result.effect = BidEffect::kLeading;
  }
  next.price_minor = LiftToReserve(terms, *next.leader, next.price_minor);

  // The leader's visible bid at the new price, when the price or the leader changed.
  const bool leader_changed = !state.leader || state.leader->bidder_id != next.leader->bidder_id;
  if (leader_changed || next.price_minor != state.price_minor) {
    result.records.push_back({next.leader->bidder_id, next.price_minor,
                              /*proxy=*/next.leader->bidder_id != bid.bidder_id ||
                                  result.effect == BidEffect::kMaxRaised});
  }
  next.bid_count += static_cast<int>(result.records.size());
  // A leader quietly raising their own maximum shows nobody anything, so it does not extend.
  if (!result.records.empty()) result.extended = MaybeExtend(terms, next, bid.now);
  return result;
}

absl::StatusOr<AuctionState> BuyNow(const AuctionTerms& terms, const AuctionState& state,
                                    absl::string_view buyer_id, const Money& expected_price,
                                    absl::Time now) {
  RETURN_IF_ERROR(CheckCanBuy(terms, state, buyer_id, expected_price, now));
  if (!BuyNowAvailable(terms, state)) {
    return Error(absl::StatusCode::kFailedPrecondition, "BUY_NOW_UNAVAILABLE",
                 "buy-now is not available on this auction");
  }
  if (expected_price.minor != *terms.buy_now_minor) {
    return Error(absl::StatusCode::kFailedPrecondition, "PRICE_CHANGED",
                 absl::StrCat("the buy-now price is ", *terms.buy_now_minor));
  }
  AuctionState next = state;
  next.status = AuctionStatus::kClosed;
  next.outcome = AuctionOutcome::kBoughtNow;
  next.winner_id = std::string(buyer_id);
  next.winning_minor = *terms.buy_now_minor;
  next.closed_at = now;
  return next;
}

absl::StatusOr<AuctionState> Close(const AuctionTerms& terms, const AuctionState& state,
                                   absl::Time now, CloseMode mode) {
  if (state.status != AuctionStatus::kOpen) return NotOpen();
  if (mode == CloseMode::kOnTime && now < state.ends_at) {
    return Error(absl::StatusCode::kFailedPrecondition, "AUCTION_NOT_ENDED",
                 "the auction has not reached its end");
  }
  AuctionState next = state;
  next.status = AuctionStatus::kClosed;
  next.closed_at = now;
  if (mode == CloseMode::kCancel) {
    next.outcome = AuctionOutcome::kCancelled;
  } else if (!state.leader) {
    next.outcome = AuctionOutcome::kNoBids;
  } else if (!ReserveMet(terms, state)) {
    next.outcome = AuctionOutcome::kReserveNotMet;
  } else {
    next.outcome = AuctionOutcome::kSold;
    next.winner_id = state.leader->bidder_id;
    next.winning_minor = state.price_minor;
  }
  return next;
}

}  // namespace shopcast::product_inventory::auctions_rules
