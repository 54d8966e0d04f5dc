#pragma once

// What GetStreamSales and GetSellerStats accept, and the small rules their figures follow.
// Pure: no database, no gRPC.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/auth/caller.h"
#include "shopcast/order/v1/order.pb.h"

namespace shopcast::order::sales {

inline constexpr int kDefaultSalesPageSize = 20;
inline constexpr int kMaxSalesPageSize = 100;
inline constexpr int kDefaultStreamsPageSize = 10;
inline constexpr int kMaxStreamsPageSize = 20;
// GetSellerStats: from and to at most this far apart when both are set.
inline constexpr absl::Duration kMaxRange = absl::Hours(24 * 366);

// One bad field of a request: its path ("page.page_size") and reason.
struct Violation {
  std::string field;
  std::string reason;
  std::string message;
};

// OK for none; else INVALID_ARGUMENT with the first violation's reason and field, and every
// violation named in the message.
absl::Status ToStatus(const std::vector<Violation>& violations);

// A half-open range [from, to) on confirmation time; infinite ends when unset.
struct Window {
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
};

// GetStreamSales, validated.
struct StreamSalesQuery {
  std::string stream_id;
  int page_size = kDefaultSalesPageSize;
  std::string page_token;
};

// GetSellerStats, validated; seller_id resolved (empty in the request = the caller).
struct SellerStatsQuery {
  std::string seller_id;
  Window window;
  int page_size = kDefaultStreamsPageSize;
  std::string page_token;
};

// stream_id: ID_REQUIRED when empty, STREAM_ID_INVALID unless a str_ id; page.page_size 0..100
// (PAGE_SIZE_INVALID). Every violation at once.
absl::StatusOr<StreamSalesQuery> ValidateStreamSales(const v1::GetStreamSalesRequest& request);

// seller_id empty or a usr_ id (SELLER_ID_INVALID); from and to valid timestamps when set
// (TIMESTAMP_INVALID), from < to (RANGE_INVALID), at most kMaxRange apart (RANGE_TOO_LONG);
// page.page_size 0..20 (PAGE_SIZE_INVALID). Every violation at once; then who may ask:
// role host or admin (PERMISSION_DENIED ROLE_REQUIRED), another seller's stats admins only
// (PERMISSION_DENIED ADMIN_ONLY).
absl::StatusOr<SellerStatsQuery> ValidateSellerStats(const auth::Caller& caller,
                                                     const v1::GetSellerStatsRequest& request);

// The cursor id of a sale (a line of an order) on a GetStreamSales page, and back; false for
// anything this function did not make.
std::string SaleCursorId(const std::string& order_id, int line_no);
bool ParseSaleCursorId(const std::string& id, std::string* order_id, int* line_no);

// The part of an order's refunds that falls on one of its lines. Refunds reduce the goods
// first (shipping only once the goods are refunded in full), the lines in line order:
// `goods_left` is what remains of min(refunded, subtotal) after the earlier lines took their
// share. Between 0 and `line_total`.
int64_t RefundShare(int64_t goods_left, int64_t line_total);

// The minute (since the epoch, UTC) `t` falls in, and that minute's first instant.
int64_t MinuteOf(absl::Time t);
absl::Time MinuteStart(int64_t minute);

}  // namespace shopcast::order::sales
