#pragma once

// The checkout's SQL, prepared on every pooled connection.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::order::checkout::sql {

// Columns of ReadOrder (order_store.cc), in its order; times as epoch microseconds.
#define SHOPCAST_ORDER_MICROS(c) "(extract(epoch FROM " c ") * 1000000)::bigint"
inline constexpr char kOrderColumns[] =
    "id, buyer_id, seller_id, stream_id, status, step, failure_reason, cancel_reason, "
    "cancel_note, cancelled_by, carrier, tracking_number, currency, subtotal_minor, "
    "shipping_minor, total_minor, shipping_address::text, buyer_display_name, payment_id, "
    "payment_method_token, payment_provider, payment_status, provider_reference, decline_code, "
    SHOPCAST_ORDER_MICROS("authorized_at") ", " SHOPCAST_ORDER_MICROS("captured_at") ", "
    SHOPCAST_ORDER_MICROS("payment_settled_at") ", " SHOPCAST_ORDER_MICROS("pending_since") ", "
    SHOPCAST_ORDER_MICROS("created_at") ", " SHOPCAST_ORDER_MICROS("updated_at") ", "
    SHOPCAST_ORDER_MICROS("confirmed_at") ", " SHOPCAST_ORDER_MICROS("shipped_at") ", "
    SHOPCAST_ORDER_MICROS("cancelled_at") ", refunded_minor, " SHOPCAST_ORDER_MICROS("refunded_at")
    ", " SHOPCAST_ORDER_MICROS("failed_at");

inline constexpr char kLineColumns[] =
    "order_id, product_id, reservation_id, access_stream_id, auction_id, title, image_url, "
    "quantity, unit_price_minor, line_total_minor, " SHOPCAST_ORDER_MICROS("reserved_at");
#undef SHOPCAST_ORDER_MICROS

// The names the statements are prepared under.
inline constexpr char kFindKey[] = "order_find_key";
inline constexpr char kInsertKey[] = "order_insert_key";
inline constexpr char kInsertOrder[] = "order_insert_order";
inline constexpr char kInsertLine[] = "order_insert_line";
inline constexpr char kGetOrder[] = "order_get_order";
inline constexpr char kGetLines[] = "order_get_lines";
inline constexpr char kByPayment[] = "order_by_payment";
inline constexpr char kClaim[] = "order_claim";
inline constexpr char kUnlease[] = "order_unlease";
inline constexpr char kSave[] = "order_save";
inline constexpr char kClaimDue[] = "order_claim_due";
inline constexpr char kDeleteExpiredKeys[] = "order_delete_expired_keys";
inline constexpr char kBumpStreamSales[] = "order_bump_stream_sales";
inline constexpr char kStreamTotal[] = "order_stream_total";
inline constexpr char kListAsBuyer[] = "order_list_as_buyer";
inline constexpr char kListAsSeller[] = "order_list_as_seller";
// Access passes (V006).
inline constexpr char kSetAccessStream[] = "order_set_access_stream";
inline constexpr char kFindLivePass[] = "order_find_live_pass";
// The unique index that admits one live pass order per (buyer, stream).
inline constexpr char kOneLivePassIndex[] = "orders_one_live_pass";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::order::checkout::sql
