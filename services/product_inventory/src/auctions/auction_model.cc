#include "auctions/auction_model.h"

#include <utility>
#include <vector>

#include "catalog/pricing.h"
#include "common/pg_time.h"
#include "google/protobuf/util/time_util.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::auctions {
namespace {

using google::protobuf::util::TimeUtil;

absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  *out = TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

common::v1::Money MoneyOf(int64_t minor, const std::string& currency) {
  common::v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency(currency);
  return m;
}

}  // namespace

absl::StatusOr<v1::AuctionSettings> FreezeSettings(const v1::AuctionSettings& product_settings,
                                                   absl::Duration duration_override) {
  v1::AuctionSettings s = product_settings;
  if (duration_override != absl::ZeroDuration()) {
    if (duration_override < kMinDuration || duration_override > kMaxDuration) {
      return InvalidArgument("duration", "DURATION_OUT_OF_RANGE", "duration must be 10 s..1 h");
    }
    SetDuration(duration_override, s.mutable_duration());
  }
  // Unset means the contract's default; a set zero (sudden death, no cap) stays zero.
  if (!s.has_anti_snipe_window()) SetDuration(absl::Seconds(15), s.mutable_anti_snipe_window());
  if (!s.has_anti_snipe_extension()) {
    SetDuration(absl::Seconds(15), s.mutable_anti_snipe_extension());
  }
  if (!s.has_max_total_extension()) {
    SetDuration(absl::Minutes(10), s.mutable_max_total_extension());
  }
  if (!s.has_winner_hold_duration()) {
    SetDuration(absl::Minutes(30), s.mutable_winner_hold_duration());
  }
  if (s.increments().empty()) {
    *s.mutable_increments() = catalog::PlatformIncrements(s.starting_bid().currency());
  }
  return s;
}

absl::StatusOr<rules::AuctionTerms> TermsOf(const std::string& seller_id,
                                            const v1::AuctionSettings& frozen) {
  rules::AuctionTerms t;
  t.seller_id = seller_id;
  t.currency = frozen.starting_bid().currency();
  t.starting_bid_minor = frozen.starting_bid().amount_minor();
  if (frozen.has_reserve_price()) t.reserve_minor = frozen.reserve_price().amount_minor();
  if (frozen.has_buy_now_price()) t.buy_now_minor = frozen.buy_now_price().amount_minor();
  std::vector<rules::IncrementStep> steps;
  for (const v1::IncrementStep& step : frozen.increments()) {
    rules::IncrementStep s;
    if (step.has_below()) s.below_minor = step.below().amount_minor();
    s.increment_minor = step.increment().amount_minor();
    steps.push_back(s);
  }
  ASSIGN_OR_RETURN(t.increments, rules::IncrementTable::Create(std::move(steps)));
  t.anti_snipe_window = FromProtoDuration(frozen.anti_snipe_window());
  t.anti_snipe_extension = FromProtoDuration(frozen.anti_snipe_extension());
  t.max_total_extension = FromProtoDuration(frozen.max_total_extension());
  RETURN_IF_ERROR(rules::ValidateTerms(t));
  return t;
}

absl::Duration DurationOf(const v1::AuctionSettings& frozen) {
  return FromProtoDuration(frozen.duration());
}

absl::Duration WinnerHoldOf(const v1::AuctionSettings& frozen) {
  return FromProtoDuration(frozen.winner_hold_duration());
}

v1::AuctionOutcome OutcomeToProto(rules::AuctionOutcome outcome) {
  switch (outcome) {
    case rules::AuctionOutcome::kNone:
      return v1::AUCTION_OUTCOME_UNSPECIFIED;
    case rules::AuctionOutcome::kSold:
      return v1::AUCTION_OUTCOME_SOLD;
    case rules::AuctionOutcome::kBoughtNow:
      return v1::AUCTION_OUTCOME_BOUGHT_NOW;
    case rules::AuctionOutcome::kNoBids:
      return v1::AUCTION_OUTCOME_NO_BIDS;
    case rules::AuctionOutcome::kReserveNotMet:
      return v1::AUCTION_OUTCOME_RESERVE_NOT_MET;
    case rules::AuctionOutcome::kCancelled:
      return v1::AUCTION_OUTCOME_CANCELLED;
  }
  return v1::AUCTION_OUTCOME_UNSPECIFIED;
}

rules::AuctionOutcome OutcomeFromProto(int outcome) {
  switch (outcome) {
    case v1::AUCTION_OUTCOME_SOLD:
      return rules::AuctionOutcome::kSold;
    case v1::AUCTION_OUTCOME_BOUGHT_NOW:
      return rules::AuctionOutcome::kBoughtNow;
    case v1::AUCTION_OUTCOME_NO_BIDS:
      return rules::AuctionOutcome::kNoBids;
    case v1::AUCTION_OUTCOME_RESERVE_NOT_MET:
      return rules::AuctionOutcome::kReserveNotMet;
    case v1::AUCTION_OUTCOME_CANCELLED:
      return rules::AuctionOutcome::kCancelled;
    default:
      return rules::AuctionOutcome::kNone;
  }
}

v1::Auction AuctionToProto(const AuctionRecord& a, const rules::AuctionTerms& terms,
                           bool reveal_reserve) {
  const rules::AuctionState& s = a.state;
  v1::Auction out;
  out.set_id(a.id);
  out.set_product_id(a.product_id);
  out.set_stream_id(a.stream_id);
  out.set_seller_id(a.seller_id);
  const bool open = s.status == rules::AuctionStatus::kOpen;
  out.set_status(open ? v1::AUCTION_STATUS_OPEN : v1::AUCTION_STATUS_CLOSED);
  *out.mutable_settings() = a.settings;
  if (!reveal_reserve) out.mutable_settings()->clear_reserve_price();
  if (s.leader) {
    *out.mutable_current_bid() = MoneyOf(s.price_minor, terms.currency);
    out.set_leading_bidder_id(s.leader->bidder_id);
  }
  out.set_bid_count(s.bid_count);
  *out.mutable_minimum_next_bid() = MoneyOf(rules::MinimumNextBid(terms, s), terms.currency);
  out.set_reserve_met(rules::ReserveMet(terms, s));
  out.set_buy_now_available(rules::BuyNowAvailable(terms, s));
  ToProto(s.started_at, out.mutable_started_at());
  ToProto(s.ends_at, out.mutable_ends_at());
  ToProto(s.original_ends_at, out.mutable_original_ends_at());
  out.set_extension_count(s.extension_count);
  if (!open) ToProto(s.closed_at, out.mutable_closed_at());
  out.set_outcome(OutcomeToProto(s.outcome));
  if (!s.winner_id.empty()) {
    out.set_winner_id(s.winner_id);
    *out.mutable_winning_amount() = MoneyOf(s.winning_minor, terms.currency);
  }
  out.set_winner_reservation_id(a.winner_reservation_id);
  out.set_version(a.version);
  return out;
}

realtime_push::v1::AuctionState RoomStateOf(const AuctionRecord& a,
                                            const rules::AuctionTerms& terms) {
  const rules::AuctionState& s = a.state;
  realtime_push::v1::AuctionState out;
  out.set_auction_id(a.id);
  out.set_product_id(a.product_id);
  out.set_open(s.status == rules::AuctionStatus::kOpen);
  if (s.leader) {
    *out.mutable_current_bid() = MoneyOf(s.price_minor, terms.currency);
    out.mutable_leader()->set_user_id(s.leader->bidder_id);
  }
  out.set_bid_count(s.bid_count);
  *out.mutable_minimum_next_bid() = MoneyOf(rules::MinimumNextBid(terms, s), terms.currency);
  if (terms.buy_now_minor) {
    *out.mutable_buy_now_price() = MoneyOf(*terms.buy_now_minor, terms.currency);
  }
  out.set_buy_now_available(rules::BuyNowAvailable(terms, s));
  out.set_reserve_met(rules::ReserveMet(terms, s));
  ToProto(s.ends_at, out.mutable_ends_at());
  out.set_version(a.version);
  return out;
}

}  // namespace shopcast::product_inventory::auctions
