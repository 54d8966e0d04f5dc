#include "sales/sales.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/pg_time.h"
#include "sales/rules.h"
#include "sales/summary.h"
#include "shopcast/status/status.h"

namespace shopcast::order::sales {
namespace {

void SetMoney(int64_t minor, const std::string& currency, common::v1::Money* out) {
  out->set_amount_minor(minor);
  out->set_currency(currency);
}

void ToSale(const SaleRow& r, v1::Sale* s) {
  s->set_order_id(r.order_id);
  s->set_product_id(r.product_id);
  s->set_title(r.title);
  s->set_quantity(static_cast<int32_t>(r.quantity));
  SetMoney(r.line_total, r.currency, s->mutable_amount());
  s->set_buyer_id(r.buyer_id);
  ToProto(absl::FromUnixMicros(r.reserved_us), s->mutable_moment_at());
  ToProto(absl::FromUnixMicros(r.confirmed_us), s->mutable_sold_at());
  s->set_status(static_cast<v1::OrderStatus>(r.status));
  s->set_access_pass(r.access_pass);
  SetMoney(r.refunded, r.currency, s->mutable_refunded());
}

}  // namespace

absl::Status Sales::GetStreamSales(const auth::Caller& caller,
                                   const v1::GetStreamSalesRequest& request,
                                   v1::GetStreamSalesResponse* response) {
  RETURN_IF_ERROR(auth::RequireRole(caller, auth::Role::kHost));
  ASSIGN_OR_RETURN(StreamSalesQuery q, ValidateStreamSales(request));
  // Admins see every seller's sales; a host their own.
  const std::string seller = caller.role == auth::Role::kAdmin ? "" : caller.user_id;
  // The token is bound to the stream and to whose sales it pages.
  const std::string list = absl::StrCat("stream_sales;", q.stream_id, ";", seller);
  SaleCursor after;
  if (!q.page_token.empty()) {
    ASSIGN_OR_RETURN(pagetoken::Cursor cursor, page_tokens_.Decode(list, q.page_token));
    if (!ParseSaleCursorId(cursor.id, &after.order_id, &after.line_no)) {
      return InvalidArgument("page.page_token", "PAGE_TOKEN_INVALID", "invalid page token");
    }
    after.reserved_at = absl::FromUnixMicros(cursor.key);
  }
  ASSIGN_OR_RETURN(StreamRead read, store_.ReadStream(q.stream_id, seller, after, q.page_size + 1));
  if (read.others_sold) {
    return PermissionDenied("NOT_STREAM_SELLER",
                            "only the stream's seller or an admin may "
                            "read its sales");
  }
  BuildSummary(q.stream_id, read.figures, response->mutable_summary());
  const bool more = static_cast<int>(read.sales.size()) > q.page_size;
  if (more) read.sales.resize(q.page_size);
  for (const SaleRow& r : read.sales) ToSale(r, response->add_sales());
  if (more) {
    const SaleRow& last = read.sales.back();
    response->mutable_page()->set_next_page_token(page_tokens_.Encode(
        list, pagetoken::Cursor{last.reserved_us, SaleCursorId(last.order_id, last.line_no)}));
  }
  return absl::OkStatus();
}

absl::Status Sales::GetSellerStats(const auth::Caller& caller,
                                   const v1::GetSellerStatsRequest& request,
                                   v1::GetSellerStatsResponse* response) {
  ASSIGN_OR_RETURN(SellerStatsQuery q, ValidateSellerStats(caller, request));
  // Bound to the seller and the window: a token never pages another question.
  const std::string list =
      absl::StrCat("seller_stats;", q.seller_id, ";", absl::ToUnixMicros(q.window.from), ";",
                   absl::ToUnixMicros(q.window.to));
  StreamCursor after;
  if (!q.page_token.empty()) {
    ASSIGN_OR_RETURN(pagetoken::Cursor cursor, page_tokens_.Decode(list, q.page_token));
    after.last_sale = absl::FromUnixMicros(cursor.key);
    after.stream_id = cursor.id;
  }
  ASSIGN_OR_RETURN(SellerRead read,
                   store_.ReadSeller(q.seller_id, q.window, after, q.page_size + 1));
  *response->mutable_totals() = BuildTotals(read.totals);
  const bool more = static_cast<int>(read.streams.size()) > q.page_size;
  if (more) read.streams.resize(q.page_size);
  for (const auto& [stream_id, last_us] : read.streams) {
    BuildSummary(stream_id, read.per_stream[stream_id], response->add_streams());
  }
  if (more) {
    const auto& [stream_id, last_us] = read.streams.back();
    response->mutable_page()->set_next_page_token(
        page_tokens_.Encode(list, pagetoken::Cursor{last_us, stream_id}));
  }
  return absl::OkStatus();
}

}  // namespace shopcast::order::sales
