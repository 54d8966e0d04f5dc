#pragma once

// Plain types of the stock engine: what a product's stock is, how it may be sold, and the
// holds (reservations) buyers take on it. No gRPC or database types here.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace shopcast::product_inventory::stock {

// The wall clock used for hold times (stored and shown). Injected so tests can move time;
// absl::Now in production.
using WallClock = std::function<absl::Time()>;

// Limits on Reserve.
inline constexpr int64_t kMaxTotal = 1'000'000;
inline constexpr int32_t kMaxQuantity = 100;
inline constexpr int32_t kMaxPerUserLimit = 1000;
inline constexpr absl::Duration kMinHold = absl::Minutes(1);
inline constexpr absl::Duration kMaxHold = absl::Minutes(10);
inline constexpr absl::Duration kDefaultHold = absl::Minutes(5);
inline constexpr size_t kMaxIdempotencyKey = 64;

// A flash sale (TikTok LIVE's model): the product sells only in [opens_at, closes_at), at
// price_minor, at most stock_cap units in all and per_user_cap per buyer (0 = none).
struct FlashSale {
  int64_t price_minor = 0;
  std::string currency;  // ISO 4217, e.g. "EUR".
  int64_t stock_cap = 0;
  int32_t per_user_cap = 0;
  absl::Time opens_at;
  absl::Time closes_at;
};

// How a product's stock may be reserved.
struct SaleRules {
  // Whole seconds in [kMinHold, kMaxHold].
  absl::Duration hold_duration = kDefaultHold;
  // 0 = no limit. Counts the buyer's live holds and committed purchases together.
  int32_t per_user_limit = 0;
  // The limit counts holds created this far back from now; InfiniteDuration = ever.
  absl::Duration limit_window = absl::InfiniteDuration();
  std::optional<FlashSale> flash_sale;
};

// Units of one product; available + held + sold == total.
struct StockLevel {
  std::string product_id;
  int64_t total = 0;
  int64_t available = 0;
  int64_t held = 0;
  int64_t sold = 0;
  int64_t revision = 0;
};

enum class HoldState {
  kActive,     // Holds its units until expires_at.
  kReleased,   // Given back early. Terminal.
  kExpired,    // Ran out of time; its units went back. Terminal.
  kCommitted,  // Sold to order_id.
  kReturned,   // A committed sale cancelled; its units went back. Terminal.
};
const char* HoldStateName(HoldState s);
// The stored name ("active", ...) back to the state.
HoldState ParseHoldState(const std::string& s);

// Where a hold came from; the numbers are the proto's ReservationSource (stored in
// holds.source).
enum class HoldSource : int16_t {
  kDirect = 1,      // Reserve.
  kQueue = 2,       // An admitted queue ticket (source_ref qtk_…).
  kAuctionWin = 3,  // An auction's winner at close (source_ref auc_…).
  kBuyNow = 4,      // BuyNow on an auction (source_ref auc_…).
  kLottery = 5,     // A lottery's winner (source_ref the lottery's id).
};

// A reservation: units held for a buyer until expires_at, unless committed first.
struct Hold {
  std::string id;  // res_…
  std::string product_id;
  std::string buyer_id;
  int32_t quantity = 0;
  // As stored; an active hold read after expires_at is reported kExpired.
  HoldState state = HoldState::kActive;
  bool flash_sale = false;
  // The flash sale's deal price per unit; unset for ordinary holds (the catalogue's price).
  std::optional<int64_t> unit_price_minor;
  absl::Time created_at;
  absl::Time expires_at;
  std::optional<absl::Time> settled_at;
  std::string order_id;  // Set once committed.
  HoldSource source = HoldSource::kDirect;
  std::string source_ref;  // Empty for kDirect.
};

struct ReserveRequest {
  std::string product_id;
  std::string buyer_id;
  int32_t quantity = 0;
  // 1..64 printable ASCII; unique per buyer: a retry returns the first hold.
  std::string idempotency_key;
};

struct ReserveResult {
  Hold hold;
  // True when the idempotency key had been used already and `hold` is the first one.
  bool duplicate = false;
  // The product's stock right after the batch that served this request.
  StockLevel stock;
};

// A hold granted by another part of the service (an auction's close, a queue's admission, a
// lottery's draw) inside that part's own transaction: tx::GrantHold.
struct GrantHoldRequest {
  std::string product_id;
  std::string buyer_id;
  // 1..kMaxQuantity.
  int32_t quantity = 1;
  // Per unit; unset = the catalogue's price.
  std::optional<int64_t> unit_price_minor;
  // When the hold lapses by itself; after `now`. Not bound by the product's hold duration
  // (an auction's winner may hold for hours).
  absl::Time expires_at;
  // Not kDirect; source_ref names what granted it (required).
  HoldSource source = HoldSource::kQueue;
  std::string source_ref;
  // 1..64 printable ASCII, unique per buyer: a retry returns the first hold.
  std::string idempotency_key;
  // Apply the product's per-user limit (live holds and purchases), as Reserve does. An
  // auction's winner has won already: off.
  bool enforce_limit = false;
};

struct GrantResult {
  Hold hold;
  // True when the idempotency key had been used already and `hold` is the first one.
  bool duplicate = false;
  // The product's stock right after the grant (or as found, for a duplicate).
  StockLevel stock;
};

// Machine-readable reasons of the errors this engine returns (shopcast::ReasonOf).
namespace reason {
inline constexpr char kProductNotFound[] = "PRODUCT_NOT_FOUND";
inline constexpr char kStockExists[] = "STOCK_EXISTS";
inline constexpr char kQuantityOutOfRange[] = "QUANTITY_OUT_OF_RANGE";
inline constexpr char kStockOutOfRange[] = "STOCK_OUT_OF_RANGE";
inline constexpr char kDeltaZero[] = "DELTA_ZERO";
inline constexpr char kInsufficientAvailableStock[] = "INSUFFICIENT_AVAILABLE_STOCK";
inline constexpr char kHoldDurationOutOfRange[] = "HOLD_DURATION_OUT_OF_RANGE";
inline constexpr char kPurchaseLimitInvalid[] = "PURCHASE_LIMIT_INVALID";
inline constexpr char kFlashSaleInvalid[] = "FLASH_SALE_INVALID";
inline constexpr char kIdempotencyKeyInvalid[] = "IDEMPOTENCY_KEY_INVALID";
inline constexpr char kIdempotencyKeyReused[] = "IDEMPOTENCY_KEY_REUSED";
inline constexpr char kIdRequired[] = "ID_REQUIRED";
inline constexpr char kSoldOut[] = "SOLD_OUT";
inline constexpr char kInsufficientStock[] = "INSUFFICIENT_STOCK";
inline constexpr char kPurchaseLimitReached[] = "PURCHASE_LIMIT_REACHED";
inline constexpr char kSaleNotOpen[] = "SALE_NOT_OPEN";
inline constexpr char kSaleClosed[] = "SALE_CLOSED";
inline constexpr char kReservationNotFound[] = "RESERVATION_NOT_FOUND";
inline constexpr char kNotReservationOwner[] = "NOT_RESERVATION_OWNER";
inline constexpr char kReservationAlreadyCommitted[] = "RESERVATION_ALREADY_COMMITTED";
inline constexpr char kReservationExpired[] = "RESERVATION_EXPIRED";
inline constexpr char kReservationReleased[] = "RESERVATION_RELEASED";
inline constexpr char kReservationNotCommitted[] = "RESERVATION_NOT_COMMITTED";
inline constexpr char kShuttingDown[] = "SHUTTING_DOWN";
inline constexpr char kSourceInvalid[] = "SOURCE_INVALID";
inline constexpr char kExpiryInvalid[] = "EXPIRY_INVALID";
inline constexpr char kPriceInvalid[] = "PRICE_INVALID";
}  // namespace reason

// Status payload keys: units still available (INSUFFICIENT_STOCK) and units the buyer may
// still take (PURCHASE_LIMIT_REACHED), as decimal text.
inline constexpr char kAvailablePayload[] = "type.shopcast.dev/stock-available";
inline constexpr char kRemainingPayload[] = "type.shopcast.dev/limit-remaining";

}  // namespace shopcast::product_inventory::stock
