#pragma once

// An auction as stored (frozen settings + the rules' state) and its translations: settings ->
// the rules' terms, state -> the API's Auction and the room's AuctionState. No database, no gRPC.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auctions_rules/auction.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::product_inventory::auctions {

namespace rules = ::shopcast::product_inventory::auctions_rules;

struct AuctionRecord {
  std::string id;
  std::string product_id;
  std::string stream_id;  // "" without a stream
  std::string seller_id;
  v1::AuctionSettings settings;  // frozen (FreezeSettings)
  rules::AuctionState state;
  std::string winner_reservation_id;
  int64_t version = 0;
};

// Bounds of StartAuctionRequest.duration, as for AuctionSettings.duration.
inline constexpr absl::Duration kMinDuration = absl::Seconds(10);
inline constexpr absl::Duration kMaxDuration = absl::Hours(1);

// The settings an auction runs with: the product's, with `duration_override` (when > 0) as the
// duration, the defaults of unset durations written in and an empty increment table replaced by
// the platform's, so later changes of the product or the platform never touch a running auction.
// INVALID_ARGUMENT/DURATION_OUT_OF_RANGE on "duration" for an override outside the bounds.
absl::StatusOr<v1::AuctionSettings> FreezeSettings(const v1::AuctionSettings& product_settings,
                                                   absl::Duration duration_override);

// The rules' terms of frozen settings; the rules' own checks (ValidateTerms) included.
absl::StatusOr<rules::AuctionTerms> TermsOf(const std::string& seller_id,
                                            const v1::AuctionSettings& frozen);

absl::Duration DurationOf(const v1::AuctionSettings& frozen);
absl::Duration WinnerHoldOf(const v1::AuctionSettings& frozen);

v1::AuctionOutcome OutcomeToProto(rules::AuctionOutcome outcome);
rules::AuctionOutcome OutcomeFromProto(int outcome);

// The API view; the reserve price only for the seller (`reveal_reserve`).
v1::Auction AuctionToProto(const AuctionRecord& a, const rules::AuctionTerms& terms,
                           bool reveal_reserve);

// The room's view of it.
realtime_push::v1::AuctionState RoomStateOf(const AuctionRecord& a,
                                            const rules::AuctionTerms& terms);

}  // namespace shopcast::product_inventory::auctions
