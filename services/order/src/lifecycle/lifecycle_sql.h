#pragma once

// The lifecycle's SQL, prepared on every pooled connection.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::order::lifecycle::sql {

// The names the statements are prepared under.
inline constexpr char kLockOrder[] = "order_lc_lock_order";
inline constexpr char kRefundsAsked[] = "order_lc_refunds_asked";
inline constexpr char kFindRefund[] = "order_lc_find_refund";
inline constexpr char kInsertRefund[] = "order_lc_insert_refund";
inline constexpr char kApplyDecision[] = "order_lc_apply_decision";
inline constexpr char kTakeOverSaga[] = "order_lc_take_over_saga";
inline constexpr char kReturnSales[] = "order_lc_return_sales";
inline constexpr char kPendingRefund[] = "order_lc_pending_refund";
inline constexpr char kRecordPayment[] = "order_lc_record_payment";
inline constexpr char kMarkRefunded[] = "order_lc_mark_refunded";
inline constexpr char kRecordStockReturned[] = "order_lc_record_stock_returned";
inline constexpr char kSetReturnStock[] = "order_lc_set_return_stock";
inline constexpr char kSetStep[] = "order_lc_set_step";
inline constexpr char kClaim[] = "order_lc_claim";
inline constexpr char kUnlease[] = "order_lc_unlease";
inline constexpr char kClaimDue[] = "order_lc_claim_due";
inline constexpr char kCountUnfinished[] = "order_lc_count_unfinished";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::order::lifecycle::sql
