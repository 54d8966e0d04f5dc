#pragma once

// Plain types of the hot-item queue: a product's queue settings and its tickets. No gRPC or
// database types here.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace shopcast::product_inventory::queue {

// The wall clock of offers and claims: the stock area's (holds expire by it). Injected so
// tests can move time.
using WallClock = std::function<absl::Time()>;

inline constexpr absl::Duration kMinClaimWindow = absl::Seconds(10);
inline constexpr absl::Duration kMaxClaimWindow = absl::Minutes(10);
inline constexpr absl::Duration kDefaultClaimWindow = absl::Seconds(60);
inline constexpr int32_t kDefaultMaxLength = 10'000;
inline constexpr int32_t kMaxMaxLength = 100'000;
inline constexpr int32_t kMaxQuantity = 100;
// Offers this far back give the estimated wait.
inline constexpr absl::Duration kWaitWindow = absl::Minutes(10);

// A product's queue as configured.
struct QueueConfig {
  bool enabled = false;
  absl::Duration claim_window = kDefaultClaimWindow;  // Whole seconds.
  int32_t max_length = kDefaultMaxLength;
};

enum class TicketStatus { kWaiting, kOffered, kClaimed, kLapsed, kLeft, kCancelled };
const char* TicketStatusName(TicketStatus s);  // As stored: "waiting", ...
std::optional<TicketStatus> TicketStatusFromName(const std::string& name);

struct Ticket {
  std::string id;  // qtk_…
  std::string product_id;
  std::string user_id;
  int64_t sequence = 0;
  int32_t quantity = 0;
  TicketStatus status = TicketStatus::kWaiting;
  std::string hold_id;  // Once offered.
  int32_t offered_quantity = 0;
  absl::Time enqueued_at;
  std::optional<absl::Time> offered_at;
  std::optional<absl::Time> offered_until;
  std::optional<absl::Time> settled_at;
  std::string cancel_reason;
};

// A ticket with where it stands now.
struct TicketView {
  Ticket ticket;
  int64_t position = 0;  // WAITING: 1-based; else 0.
  int64_t queue_length = 0;
  std::optional<absl::Duration> estimated_wait;
};

// Machine-readable reasons of the queue's errors and cancellations.
namespace reason {
inline constexpr char kQueueNotActive[] = "QUEUE_NOT_ACTIVE";
inline constexpr char kQueueFull[] = "QUEUE_FULL";
inline constexpr char kQueueRequired[] = "QUEUE_REQUIRED";
inline constexpr char kTicketNotFound[] = "QUEUE_TICKET_NOT_FOUND";
inline constexpr char kNotTicketOwner[] = "NOT_TICKET_OWNER";
inline constexpr char kTicketNotOffered[] = "QUEUE_TICKET_NOT_OFFERED";
inline constexpr char kOfferLapsed[] = "QUEUE_OFFER_LAPSED";
inline constexpr char kTicketClaimed[] = "QUEUE_TICKET_CLAIMED";
inline constexpr char kClaimWindowOutOfRange[] = "CLAIM_WINDOW_OUT_OF_RANGE";
inline constexpr char kMaxLengthOutOfRange[] = "MAX_LENGTH_OUT_OF_RANGE";
inline constexpr char kSettingsRequired[] = "SETTINGS_REQUIRED";
inline constexpr char kQuantityOutOfRange[] = "QUANTITY_OUT_OF_RANGE";
inline constexpr char kProductNotFound[] = "PRODUCT_NOT_FOUND";
inline constexpr char kNotProductOwner[] = "NOT_PRODUCT_OWNER";
inline constexpr char kProductIsAuction[] = "PRODUCT_IS_AUCTION";
inline constexpr char kProductArchived[] = "PRODUCT_ARCHIVED";
inline constexpr char kProductNotOnSale[] = "PRODUCT_NOT_ON_SALE";
inline constexpr char kSellerCannotBuy[] = "SELLER_CANNOT_BUY";
inline constexpr char kSoldOut[] = "SOLD_OUT";
inline constexpr char kPurchaseLimitReached[] = "PURCHASE_LIMIT_REACHED";
// Cancellations only.
inline constexpr char kQueueDisabled[] = "QUEUE_DISABLED";
inline constexpr char kStreamEnded[] = "STREAM_ENDED";
}  // namespace reason

}  // namespace shopcast::product_inventory::queue
