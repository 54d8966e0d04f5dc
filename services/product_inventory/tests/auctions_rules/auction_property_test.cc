// Random bid sequences checked against a plain model of proxy bidding: whatever the order, the
// winner is the highest maximum (the earliest on ties), the price is at least every other
// maximum and at most one increment above the highest of them, and the price and the end only
// ever move forward.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "auctions_rules/auction.h"
#include "shopcast/status/status.h"

namespace ar = shopcast::product_inventory::auctions_rules;

namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

struct ModelBidder {
  int64_t max = 0;
  int seq = 0;  // when they reached that maximum
};

void CheckAgainstModel(const ar::AuctionTerms& terms, const ar::AuctionState& state,
                       const std::map<std::string, ModelBidder>& model) {
  if (model.empty()) {
    CHECK_FALSE(state.leader.has_value());
    return;
  }
  REQUIRE(state.leader.has_value());
  // The winner: the highest maximum, the earliest to reach it on ties.
  const std::pair<const std::string, ModelBidder>* best = nullptr;
  for (const auto& entry : model) {
    if (best == nullptr || entry.second.max > best->second.max ||
        (entry.second.max == best->second.max && entry.second.seq < best->second.seq)) {
      best = &entry;
    }
  }
  CHECK(state.leader->bidder_id == best->first);
  CHECK(state.leader->max_minor == best->second.max);
  // The price: never above the leader's maximum; at least every other maximum; at most one
  // increment above the highest of them (or the starting bid when alone).
  CHECK(state.price_minor <= state.leader->max_minor);
  std::optional<int64_t> second;
  for (const auto& [id, bidder] : model) {
    if (id == best->first) continue;
    if (!second || bidder.max > *second) second = bidder.max;
  }
  if (second) {
    CHECK(state.price_minor >= *second);
    CHECK(state.price_minor <= *second + terms.increments.IncrementAt(*second));
  } else {
    CHECK(state.price_minor == terms.starting_bid_minor);
  }
}

}  // namespace

TEST_CASE("random bid sequences agree with the model of proxy bidding") {
  std::mt19937_64 rng(GENERATE(take(200, random(uint64_t{0}, uint64_t{1} << 62))));
  ar::AuctionTerms terms;
  terms.seller_id = "usr_seller";
  terms.currency = "USD";
  terms.starting_bid_minor = std::uniform_int_distribution<int64_t>(1, 5'000)(rng);
  if (rng() % 2) {
    auto custom = ar::IncrementTable::Create({{1'000, 10}, {10'000, 100}, {std::nullopt, 1'000}});
    REQUIRE(custom.ok());
    terms.increments = *custom;
  }
  REQUIRE(ar::ValidateTerms(terms).ok());
  ar::AuctionState state = ar::OpenAuction(kStart, absl::Minutes(5));

  const int bidders = std::uniform_int_distribution<int>(1, 6)(rng);
  std::map<std::string, ModelBidder> model;
  absl::Time now = kStart;
  for (int seq = 0; seq < 60; ++seq) {
    const std::string who = "usr_" + std::to_string(rng() % bidders);
    const int64_t minimum = ar::MinimumNextBid(terms, state);
    // Mostly plausible bids near the price, some below the minimum, some equal to maximums
    // already placed (ties), some far above.
    int64_t amount = 0;
    switch (rng() % 5) {
      case 0:
        amount = minimum - 1 - static_cast<int64_t>(rng() % 50);
        break;
      case 1:
        amount = minimum;
        break;
      case 2: {
        auto it = model.begin();
        std::advance(it, model.empty() ? 0 : rng() % model.size());
        amount = it == model.end() ? minimum : std::max(minimum, it->second.max);
        break;
      }
      default:
        amount = minimum + static_cast<int64_t>(rng() % 20'000);
    }
    now += absl::Milliseconds(static_cast<int64_t>(rng() % 3'000));
    if (now >= state.ends_at) break;

    const ar::AuctionState before = state;
    auto r = ar::PlaceBid(terms, state, {who, {amount, "USD"}, now});
    const bool is_leader = before.leader && before.leader->bidder_id == who;
    const bool expect_ok =
        amount >= 1 && amount >= minimum && !(is_leader && amount <= before.leader->max_minor);
    INFO("seq " << seq << ": " << who << " bids " << amount << " (minimum " << minimum << ") -> "
                << r.status().ToString());
    REQUIRE(r.ok() == expect_ok);
    if (!r.ok()) {
      const std::string reason = shopcast::ReasonOf(r.status());
      CHECK((reason == "BID_TOO_LOW" || reason == "ALREADY_HIGHEST_BIDDER" ||
             reason == "BID_AMOUNT_INVALID"));
      continue;
    }
    state = r->state;
    ModelBidder& m = model[who];
    // Every accepted bid raises its bidder's maximum (a non-leader's maximum is below the
    // price, and the minimum is above it).
    CHECK(amount > m.max);
    m.max = amount;
    m.seq = seq;

    CheckAgainstModel(terms, state, model);
    CHECK(state.price_minor >= before.price_minor);
    CHECK(state.ends_at >= before.ends_at);
    CHECK(state.bid_count == before.bid_count + static_cast<int>(r->records.size()));
    if (!r->records.empty()) {
      CHECK(r->records.back().bidder_id == state.leader->bidder_id);
      CHECK(r->records.back().amount_minor == state.price_minor);
    }
  }

  auto closed = ar::Close(terms, state, state.ends_at, ar::CloseMode::kOnTime);
  REQUIRE(closed.ok());
  if (model.empty()) {
    CHECK(closed->outcome == ar::AuctionOutcome::kNoBids);
  } else {
    CHECK(closed->outcome == ar::AuctionOutcome::kSold);
    CHECK(closed->winner_id == state.leader->bidder_id);
    CHECK(closed->winning_minor == state.price_minor);
  }
}
