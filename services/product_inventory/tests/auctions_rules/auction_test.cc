// The auction rules, case by case: proxy bids, refusals, anti-sniping, buy-now and the close.
#include "auctions_rules/auction.h"

#include <catch2/catch.hpp>

#include "shopcast/status/status.h"

namespace ar = shopcast::product_inventory::auctions_rules;
using ar::BidEffect;
using ar::BidRecord;

namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// USD, starting at 10.00, default table, no reserve or buy-now, 60 s, 15 s anti-sniping.
ar::AuctionTerms Terms() {
  ar::AuctionTerms t;
  t.seller_id = "usr_seller";
  t.currency = "USD";
  t.starting_bid_minor = 1'000;
  return t;
}

ar::AuctionState Open() { return ar::OpenAuction(kStart, absl::Seconds(60)); }

ar::BidRequest Bid(const std::string& who, int64_t minor, absl::Duration at = absl::Seconds(1)) {
  return {who, {minor, "USD"}, kStart + at};
}

// Applies bids that must all be accepted.
ar::AuctionState Apply(const ar::AuctionTerms& terms, ar::AuctionState state,
                       const std::vector<ar::BidRequest>& bids) {
  for (const ar::BidRequest& b : bids) {
    auto r = ar::PlaceBid(terms, state, b);
    INFO(b.bidder_id << " " << b.amount.minor << " " << r.status().ToString());
    REQUIRE(r.ok());
    state = r->state;
  }
  return state;
}

std::string Reason(const absl::StatusOr<ar::BidResult>& r) {
  return r.ok() ? "OK" : shopcast::ReasonOf(r.status());
}

}  // namespace

TEST_CASE("proxy bidding, step by step, as a table") {
  // Default table: the step is 0.50 from 5.00 to 25.00 and 1.00 from 25.00 to 100.00.
  struct Step {
    std::string bidder;
    int64_t amount;
    std::string reason;  // "OK" or the refusal
    std::string leader;  // after
    int64_t price;       // after
    int64_t leader_max;  // after
    BidEffect effect;
  };
  const std::vector<Step> steps = {
      // The first bid leads at the starting bid, whatever its maximum.
      {"usr_a", 2'000, "OK", "usr_a", 1'000, 2'000, BidEffect::kLeading},
      // Below the minimum next bid (10.00 + 0.50).
      {"usr_b", 1'049, "BID_TOO_LOW", "usr_a", 1'000, 2'000, BidEffect::kLeading},
      // Under usr_a's maximum: the proxy answers one step above.
      {"usr_b", 1'500, "OK", "usr_a", 1'550, 2'000, BidEffect::kOutbidByProxy},
      // Equal to usr_a's maximum: the tie goes to usr_a, who got there first.
      {"usr_b", 2'000, "OK", "usr_a", 2'000, 2'000, BidEffect::kOutbidByProxy},
      // Above it: usr_c leads at usr_a's maximum plus one step.
      {"usr_c", 5'000, "OK", "usr_c", 2'050, 5'000, BidEffect::kLeading},
      // usr_c raising their own maximum does not move the price.
      {"usr_c", 6'000, "OK", "usr_c", 2'050, 6'000, BidEffect::kMaxRaised},
      // ... and bidding no more than it is refused: nobody outbids themselves.
      {"usr_c", 6'000, "ALREADY_HIGHEST_BIDDER", "usr_c", 2'050, 6'000, BidEffect::kLeading},
      {"usr_c", 3'000, "ALREADY_HIGHEST_BIDDER", "usr_c", 2'050, 6'000, BidEffect::kLeading},
      // A challenger just above usr_c's maximum pays only their own maximum.
      {"usr_a", 6'010, "OK", "usr_a", 6'010, 6'010, BidEffect::kLeading},
      // Minimum next bid is now 60.10 + 1.00.
      {"usr_b", 6'109, "BID_TOO_LOW", "usr_a", 6'010, 6'010, BidEffect::kLeading},
      {"usr_b", 6'110, "OK", "usr_b", 6'110, 6'110, BidEffect::kLeading},
  };
  const ar::AuctionTerms terms = Terms();
  ar::AuctionState state = Open();
  int i = 0;
  for (const Step& s : steps) {
    INFO("step " << i++ << ": " << s.bidder << " bids " << s.amount);
    auto r = ar::PlaceBid(terms, state, Bid(s.bidder, s.amount));
    CHECK(Reason(r) == s.reason);
    if (r.ok()) {
      CHECK(r->effect == s.effect);
      state = r->state;
    }
    REQUIRE(state.leader.has_value());
    CHECK(state.leader->bidder_id == s.leader);
    CHECK(state.price_minor == s.price);
    CHECK(state.leader->max_minor == s.leader_max);
  }
}

TEST_CASE("the visible bids a PlaceBid produces") {
  const ar::AuctionTerms terms = Terms();
  auto first = ar::PlaceBid(terms, Open(), Bid("usr_a", 3'000));
  REQUIRE(first.ok());
  CHECK(first->records == std::vector<BidRecord>{{"usr_a", 1'000, false}});
  CHECK(first->state.bid_count == 1);
  CHECK(first->outbid_id.empty());

  // Outbid by the proxy: the challenger's bid, then the leader's automatic answer.
  auto proxied = ar::PlaceBid(terms, first->state, Bid("usr_b", 2'000));
  REQUIRE(proxied.ok());
  CHECK(proxied->records ==
        std::vector<BidRecord>{{"usr_b", 2'000, false}, {"usr_a", 2'050, true}});
  CHECK(proxied->state.bid_count == 3);
  CHECK(proxied->outbid_id.empty());

  // Taking the lead: the old leader's proxy went to their maximum, then the new leader.
  auto taken = ar::PlaceBid(terms, proxied->state, Bid("usr_b", 4'000));
  REQUIRE(taken.ok());
  CHECK(taken->records == std::vector<BidRecord>{{"usr_a", 3'000, true}, {"usr_b", 3'100, false}});
  CHECK(taken->outbid_id == "usr_a");
  CHECK(taken->state.bid_count == 5);

  // A hidden raise shows nothing.
  auto raised = ar::PlaceBid(terms, taken->state, Bid("usr_b", 9'000));
  REQUIRE(raised.ok());
  CHECK(raised->records.empty());
  CHECK(raised->state.bid_count == 5);
}

TEST_CASE("bids are refused, with nothing changed, when they break a rule") {
  const ar::AuctionTerms terms = Terms();
  const ar::AuctionState open = Open();
  const ar::AuctionState led = Apply(terms, open, {Bid("usr_a", 2'000)});
  struct Case {
    const char* what;
    ar::AuctionState state;
    ar::BidRequest bid;
    absl::StatusCode code;
    std::string reason;
  };
  ar::AuctionState closed = open;
  closed.status = ar::AuctionStatus::kClosed;
  const Case cases[] = {
      {"below the starting bid", open, Bid("usr_b", 999), absl::StatusCode::kFailedPrecondition,
       "BID_TOO_LOW"},
      {"below price + increment", led, Bid("usr_b", 1'049), absl::StatusCode::kFailedPrecondition,
       "BID_TOO_LOW"},
      {"the seller", open, Bid("usr_seller", 5'000), absl::StatusCode::kPermissionDenied,
       "SELLER_CANNOT_BID"},
      {"no bidder", open, Bid("", 5'000), absl::StatusCode::kInvalidArgument, "BIDDER_REQUIRED"},
      {"another currency",
       open,
       {"usr_b", {5'000, "EUR"}, kStart},
       absl::StatusCode::kInvalidArgument,
       "CURRENCY_MISMATCH"},
      {"zero", open, Bid("usr_b", 0), absl::StatusCode::kInvalidArgument, "BID_AMOUNT_INVALID"},
      {"negative", open, Bid("usr_b", -5'000), absl::StatusCode::kInvalidArgument,
       "BID_AMOUNT_INVALID"},
      {"absurd", open, Bid("usr_b", ar::kMaxAmountMinor + 1), absl::StatusCode::kInvalidArgument,
       "BID_AMOUNT_INVALID"},
      {"closed", closed, Bid("usr_b", 5'000), absl::StatusCode::kFailedPrecondition,
       "AUCTION_NOT_OPEN"},
      {"at the end", open, Bid("usr_b", 5'000, absl::Seconds(60)),
       absl::StatusCode::kFailedPrecondition, "AUCTION_NOT_OPEN"},
      {"the leader at their maximum", led, Bid("usr_a", 2'000),
       absl::StatusCode::kFailedPrecondition, "ALREADY_HIGHEST_BIDDER"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto r = ar::PlaceBid(terms, c.state, c.bid);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.code);
    CHECK(shopcast::ReasonOf(r.status()) == c.reason);
  }
  // BID_TOO_LOW says what the minimum is.
  auto low = ar::PlaceBid(terms, led, Bid("usr_b", 1'000));
  REQUIRE(low.status().GetPayload(ar::kMinimumNextBidPayload).has_value());
  CHECK(std::string(*low.status().GetPayload(ar::kMinimumNextBidPayload)) == "1050");
}

TEST_CASE("no bid's maximum may pass the platform's price ceiling, so no price does") {
  ar::AuctionTerms terms = Terms();
  terms.max_bid_minor = 10'000'000;
  ar::AuctionState state = Apply(terms, Open(), {Bid("usr_a", 10'000'000)});
  auto over = ar::PlaceBid(terms, state, Bid("usr_b", 10'000'001));
  CHECK(Reason(over) == "BID_AMOUNT_INVALID");
  CHECK(shopcast::FieldOf(over.status()) == "amount.amount_minor");
  // At the ceiling itself: the leader's equal maximum keeps the lead, at the ceiling.
  auto equal = ar::PlaceBid(terms, state, Bid("usr_b", 10'000'000));
  REQUIRE(equal.ok());
  CHECK(equal->state.price_minor == 10'000'000);
  CHECK(equal->state.leader->bidder_id == "usr_a");
}

TEST_CASE("the minimum next bid is the starting bid, then the price plus its step") {
  const ar::AuctionTerms terms = Terms();
  ar::AuctionState state = Open();
  CHECK(ar::MinimumNextBid(terms, state) == 1'000);
  state = Apply(terms, state, {Bid("usr_a", 1'000)});
  CHECK(ar::MinimumNextBid(terms, state) == 1'050);
  state = Apply(terms, state, {Bid("usr_b", 2'600)});
  CHECK(state.price_minor == 1'050);
  state = Apply(terms, state, {Bid("usr_a", 2'600)});
  CHECK(state.price_minor == 2'600);  // the tie: usr_b keeps the lead at their maximum
  CHECK(state.leader->bidder_id == "usr_b");
  CHECK(ar::MinimumNextBid(terms, state) == 2'700);  // the 1.00 band from 25.00
}

TEST_CASE("anti-sniping moves the end for bids in the last seconds") {
  ar::AuctionTerms terms = Terms();
  terms.anti_snipe_window = absl::Seconds(15);
  terms.anti_snipe_extension = absl::Seconds(20);
  terms.max_total_extension = absl::Seconds(60);
  ar::AuctionState state = Open();  // ends at +60 s

  // Early bids leave the end alone.
  auto early = ar::PlaceBid(terms, state, Bid("usr_a", 2'000, absl::Seconds(44)));
  REQUIRE(early.ok());
  CHECK_FALSE(early->extended);
  CHECK(early->state.ends_at == kStart + absl::Seconds(60));

  // Inside the window: the end becomes bid time + 20 s.
  auto late = ar::PlaceBid(terms, early->state, Bid("usr_b", 1'500, absl::Seconds(50)));
  REQUIRE(late.ok());
  CHECK(late->extended);
  CHECK(late->state.ends_at == kStart + absl::Seconds(70));
  CHECK(late->state.extension_count == 1);

  // A hidden raise of the leader's own maximum does not extend.
  auto raise = ar::PlaceBid(terms, late->state, Bid("usr_a", 9'000, absl::Seconds(65)));
  REQUIRE(raise.ok());
  CHECK_FALSE(raise->extended);
  CHECK(raise->state.ends_at == kStart + absl::Seconds(70));

  // Extensions stop at the planned end + 60 s.
  auto capped = ar::PlaceBid(terms, raise->state, Bid("usr_b", 2'500, absl::Seconds(69)));
  REQUIRE(capped.ok());
  CHECK(capped->state.ends_at == kStart + absl::Seconds(89));
  auto again = ar::PlaceBid(terms, capped->state, Bid("usr_b", 3'000, absl::Seconds(88)));
  REQUIRE(again.ok());
  CHECK(again->state.ends_at == kStart + absl::Seconds(108));
  auto at_cap = ar::PlaceBid(terms, again->state, Bid("usr_b", 3'500, absl::Seconds(107)));
  REQUIRE(at_cap.ok());
  CHECK(at_cap->extended);
  CHECK(at_cap->state.ends_at == kStart + absl::Seconds(120));
  auto beyond = ar::PlaceBid(terms, at_cap->state, Bid("usr_b", 4'000, absl::Seconds(119)));
  REQUIRE(beyond.ok());
  CHECK_FALSE(beyond->extended);
  CHECK(beyond->state.ends_at == kStart + absl::Seconds(120));
  CHECK(beyond->state.extension_count == 4);
}

TEST_CASE("sudden death never extends") {
  ar::AuctionTerms terms = Terms();
  terms.anti_snipe_window = absl::ZeroDuration();
  ar::AuctionState state = Open();
  auto r =
      ar::PlaceBid(terms, state, Bid("usr_a", 2'000, absl::Seconds(59) + absl::Milliseconds(999)));
  REQUIRE(r.ok());
  CHECK_FALSE(r->extended);
  CHECK(r->state.ends_at == kStart + absl::Seconds(60));
  CHECK(Reason(ar::PlaceBid(terms, r->state, Bid("usr_b", 5'000, absl::Seconds(60)))) ==
        "AUCTION_NOT_OPEN");
}

TEST_CASE("without a cap, every late bid extends") {
  ar::AuctionTerms terms = Terms();
  terms.max_total_extension = absl::ZeroDuration();
  ar::AuctionState state = Open();
  int64_t amount = 1'000;
  for (int i = 0; i < 100; ++i) {
    const absl::Duration at = state.ends_at - kStart - absl::Seconds(1);
    auto r = ar::PlaceBid(terms, state, Bid(i % 2 ? "usr_a" : "usr_b", amount, at));
    REQUIRE(r.ok());
    CHECK(r->extended);
    state = r->state;
    amount = ar::MinimumNextBid(terms, state);
  }
  CHECK(state.ends_at == kStart + absl::Seconds(60 + 100 * 14));
}

TEST_CASE("a reserve is met when a maximum reaches it, and not met means no sale") {
  ar::AuctionTerms terms = Terms();
  terms.reserve_minor = 5'000;
  ar::AuctionState state = Open();
  state = Apply(terms, state, {Bid("usr_a", 3'000)});
  CHECK(state.price_minor == 1'000);
  CHECK_FALSE(ar::ReserveMet(terms, state));
  auto unsold = ar::Close(terms, state, kStart + absl::Seconds(60), ar::CloseMode::kOnTime);
  REQUIRE(unsold.ok());
  CHECK(unsold->outcome == ar::AuctionOutcome::kReserveNotMet);
  CHECK(unsold->winner_id.empty());

  // A maximum at or above the reserve lifts the price to it at once.
  state = Apply(terms, state, {Bid("usr_b", 8'000)});
  CHECK(state.leader->bidder_id == "usr_b");
  CHECK(state.price_minor == 5'000);
  CHECK(ar::ReserveMet(terms, state));
  auto sold = ar::Close(terms, state, kStart + absl::Seconds(60), ar::CloseMode::kOnTime);
  REQUIRE(sold.ok());
  CHECK(sold->outcome == ar::AuctionOutcome::kSold);
  CHECK(sold->winner_id == "usr_b");
  CHECK(sold->winning_minor == 5'000);

  // So does a leader raising their own maximum past it.
  ar::AuctionState one = Apply(terms, Open(), {Bid("usr_a", 3'000)});
  auto raised = ar::PlaceBid(terms, one, Bid("usr_a", 6'000));
  REQUIRE(raised.ok());
  CHECK(raised->effect == BidEffect::kMaxRaised);
  CHECK(raised->state.price_minor == 5'000);
  CHECK(raised->records == std::vector<BidRecord>{{"usr_a", 5'000, true}});
}

TEST_CASE("closing decides the outcome") {
  const ar::AuctionTerms terms = Terms();
  const absl::Time end = kStart + absl::Seconds(60);
  auto none = ar::Close(terms, Open(), end, ar::CloseMode::kOnTime);
  REQUIRE(none.ok());
  CHECK(none->outcome == ar::AuctionOutcome::kNoBids);
  CHECK(none->status == ar::AuctionStatus::kClosed);
  CHECK(none->closed_at == end);

  const ar::AuctionState bids = Apply(terms, Open(), {Bid("usr_a", 3'000), Bid("usr_b", 2'000)});
  // The timer firing before an extended end finds it still running.
  auto early = ar::Close(terms, bids, end - absl::Seconds(1), ar::CloseMode::kOnTime);
  CHECK(shopcast::ReasonOf(early.status()) == "AUCTION_NOT_ENDED");
  auto sold = ar::Close(terms, bids, end, ar::CloseMode::kOnTime);
  REQUIRE(sold.ok());
  CHECK(sold->outcome == ar::AuctionOutcome::kSold);
  CHECK(sold->winner_id == "usr_a");
  CHECK(sold->winning_minor == 2'050);
  // The host may end it early; the outcome is decided the same way.
  auto now = ar::Close(terms, bids, kStart + absl::Seconds(5), ar::CloseMode::kNow);
  REQUIRE(now.ok());
  CHECK(now->outcome == ar::AuctionOutcome::kSold);
  auto cancelled = ar::Close(terms, bids, kStart + absl::Seconds(5), ar::CloseMode::kCancel);
  REQUIRE(cancelled.ok());
  CHECK(cancelled->outcome == ar::AuctionOutcome::kCancelled);
  CHECK(cancelled->winner_id.empty());
  // Closed is terminal: no second close, no more bids.
  CHECK(shopcast::ReasonOf(ar::Close(terms, *sold, end, ar::CloseMode::kNow).status()) ==
        "AUCTION_NOT_OPEN");
  CHECK(Reason(ar::PlaceBid(terms, *cancelled, Bid("usr_c", 9'000))) == "AUCTION_NOT_OPEN");
}

TEST_CASE("buy-now ends the auction at its price") {
  ar::AuctionTerms terms = Terms();
  terms.buy_now_minor = 5'000;
  REQUIRE(ar::ValidateTerms(terms).ok());
  ar::AuctionState state = Apply(terms, Open(), {Bid("usr_a", 3'000)});
  CHECK(ar::BuyNowAvailable(terms, state));
  const ar::Money price{5'000, "USD"};
  const absl::Time now = kStart + absl::Seconds(10);

  auto bought = ar::BuyNow(terms, state, "usr_b", price, now);
  REQUIRE(bought.ok());
  CHECK(bought->status == ar::AuctionStatus::kClosed);
  CHECK(bought->outcome == ar::AuctionOutcome::kBoughtNow);
  CHECK(bought->winner_id == "usr_b");
  CHECK(bought->winning_minor == 5'000);
  CHECK(bought->closed_at == now);
  CHECK_FALSE(ar::BuyNowAvailable(terms, *bought));
  // Whoever comes second finds it closed; bids too.
  CHECK(shopcast::ReasonOf(ar::BuyNow(terms, *bought, "usr_c", price, now).status()) ==
        "AUCTION_NOT_OPEN");
  CHECK(Reason(ar::PlaceBid(terms, *bought, Bid("usr_c", 9'000))) == "AUCTION_NOT_OPEN");

  auto reason = [&](const ar::AuctionState& s, const std::string& who, ar::Money m) {
    return shopcast::ReasonOf(ar::BuyNow(terms, s, who, m, now).status());
  };
  CHECK(reason(state, "usr_b", {4'999, "USD"}) == "PRICE_CHANGED");
  CHECK(reason(state, "usr_b", {5'000, "EUR"}) == "CURRENCY_MISMATCH");
  CHECK(reason(state, "usr_seller", price) == "SELLER_CANNOT_BID");
  // Once bidding reaches the buy-now price it is gone.
  ar::AuctionState high = Apply(terms, state, {Bid("usr_b", 6'000)});
  CHECK(high.price_minor == 3'100);
  CHECK(ar::BuyNowAvailable(terms, high));
  high = Apply(terms, high, {Bid("usr_a", 7'000)});
  CHECK(high.price_minor == 6'100);
  CHECK_FALSE(ar::BuyNowAvailable(terms, high));
  CHECK(reason(high, "usr_c", price) == "BUY_NOW_UNAVAILABLE");
  // Before any bid it is there too.
  CHECK(reason(Open(), "usr_c", price).empty());
  ar::AuctionTerms no_buy_now = Terms();
  CHECK(shopcast::ReasonOf(ar::BuyNow(no_buy_now, Open(), "usr_c", price, now).status()) ==
        "BUY_NOW_UNAVAILABLE");
}

TEST_CASE("terms are checked as the seller sets them") {
  struct Case {
    const char* what;
    void (*edit)(ar::AuctionTerms&);
    const char* reason;
    const char* field;
  };
  const Case cases[] = {
      {"fine", [](ar::AuctionTerms&) {}, "", ""},
      {"lower-case currency", [](ar::AuctionTerms& t) { t.currency = "usd"; },
       "UNSUPPORTED_CURRENCY", "currency"},
      {"zero start", [](ar::AuctionTerms& t) { t.starting_bid_minor = 0; },
       "STARTING_BID_OUT_OF_RANGE", "starting_bid"},
      {"absurd start", [](ar::AuctionTerms& t) { t.starting_bid_minor = ar::kMaxAmountMinor + 1; },
       "STARTING_BID_OUT_OF_RANGE", "starting_bid"},
      {"reserve below start", [](ar::AuctionTerms& t) { t.reserve_minor = 999; },
       "RESERVE_BELOW_STARTING_BID", "reserve_price"},
      {"reserve equal to start", [](ar::AuctionTerms& t) { t.reserve_minor = 1'000; }, "", ""},
      {"buy-now without a step above the start",
       [](ar::AuctionTerms& t) { t.buy_now_minor = 1'049; }, "BUY_NOW_TOO_LOW", "buy_now_price"},
      {"buy-now one step above the start", [](ar::AuctionTerms& t) { t.buy_now_minor = 1'050; }, "",
       ""},
      {"buy-now below the reserve",
       [](ar::AuctionTerms& t) {
         t.reserve_minor = 5'000;
         t.buy_now_minor = 4'000;
       },
       "BUY_NOW_TOO_LOW", "buy_now_price"},
      {"negative window", [](ar::AuctionTerms& t) { t.anti_snipe_window = absl::Seconds(-1); },
       "ANTI_SNIPE_INVALID", "anti_snipe_window"},
      {"window without extension",
       [](ar::AuctionTerms& t) { t.anti_snipe_extension = absl::ZeroDuration(); },
       "ANTI_SNIPE_INVALID", "anti_snipe_window"},
      {"sudden death",
       [](ar::AuctionTerms& t) {
         t.anti_snipe_window = absl::ZeroDuration();
         t.anti_snipe_extension = absl::ZeroDuration();
       },
       "", ""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    ar::AuctionTerms terms = Terms();
    c.edit(terms);
    absl::Status s = ar::ValidateTerms(terms);
    CHECK(shopcast::ReasonOf(s) == c.reason);
    CHECK(shopcast::FieldOf(s) == c.field);
    CHECK(s.ok() == (std::string(c.reason).empty()));
  }
}
