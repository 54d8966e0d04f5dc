#include "sales/sales_support.h"

#include <chrono>
#include <pqxx/pqxx>
#include <stdexcept>

#include "common/pg_time.h"
#include "google/rpc/status.pb.h"
#include "shopcast/common/v1/error.pb.h"
#include "shopcast/ids/ids.h"

namespace shopcast::order::testing {
namespace {

std::optional<common::v1::ErrorInfo> InfoOf(const grpc::Status& s) {
  google::rpc::Status details;
  if (!details.ParseFromString(s.error_details())) return std::nullopt;
  for (const auto& any : details.details()) {
    common::v1::ErrorInfo info;
    if (any.UnpackTo(&info)) return info;
  }
  return std::nullopt;
}

void Prepare(grpc::ClientContext& ctx, const std::string& token) {
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
}

}  // namespace

std::string ReasonOf(const grpc::Status& s) {
  auto info = InfoOf(s);
  return info ? info->reason() : "";
}

std::string FieldOf(const grpc::Status& s) {
  auto info = InfoOf(s);
  return info ? info->field() : "";
}

StreamSalesResult StreamSales(pb::OrderService::Stub& stub, const std::string& token,
                              const std::string& stream_id, int page_size,
                              const std::string& page_token) {
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  pb::GetStreamSalesRequest request;
  request.set_stream_id(stream_id);
  request.mutable_page()->set_page_size(page_size);
  request.mutable_page()->set_page_token(page_token);
  StreamSalesResult r;
  r.status = stub.GetStreamSales(&ctx, request, &r.response);
  return r;
}

SellerStatsResult SellerStats(pb::OrderService::Stub& stub, const std::string& token,
                              const pb::GetSellerStatsRequest& request) {
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  SellerStatsResult r;
  r.status = stub.GetSellerStats(&ctx, request, &r.response);
  return r;
}

std::vector<pb::Sale> AllSales(pb::OrderService::Stub& stub, const std::string& token,
                               const std::string& stream_id, int page_size) {
  std::vector<pb::Sale> out;
  std::string next;
  for (int pages = 0; pages < 10000; ++pages) {
    StreamSalesResult r = StreamSales(stub, token, stream_id, page_size, next);
    if (!r.status.ok()) throw std::runtime_error("GetStreamSales: " + r.status.error_message());
    for (const pb::Sale& s : r.response.sales()) out.push_back(s);
    next = r.response.page().next_page_token();
    if (next.empty()) return out;
  }
  throw std::runtime_error("GetStreamSales: pages never end");
}

std::string Seed(const std::string& dsn, SeedOrder o) {
  if (o.id.empty()) o.id = ids::NewId("ord");
  int64_t subtotal = 0;
  for (const SeedLine& l : o.lines) subtotal += l.unit_minor * l.quantity;
  const std::string confirmed = o.confirmed_at ? PgTime(*o.confirmed_at) : "";
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  tx.exec_params(
      "INSERT INTO orders (id, buyer_id, seller_id, stream_id, status, step, currency, "
      "subtotal_minor, shipping_minor, total_minor, shipping_address, payment_id, "
      "payment_method_token, payment_provider, created_at, updated_at, confirmed_at, "
      "resume_after, refunded_minor) VALUES ($1, $2, $3, $4, $5, 'done', $6, $7, $8, $9, "
      "'{}'::jsonb, $10, 'pm_test_approve', 'placeholder', $11::timestamptz, "
      "$11::timestamptz, NULLIF($12, '')::timestamptz, $11::timestamptz, $13)",
      o.id, o.buyer_id, o.seller_id, o.stream_id, static_cast<int>(o.status), o.currency, subtotal,
      o.shipping_minor, subtotal + o.shipping_minor, ids::NewId("pay"), PgTime(o.reserved_at),
      confirmed, o.refunded_minor);
  for (size_t i = 0; i < o.lines.size(); ++i) {
    const SeedLine& l = o.lines[i];
    tx.exec_params(
        "INSERT INTO order_lines (order_id, line_no, product_id, reservation_id, "
        "access_stream_id, stream_id, title, quantity, unit_price_minor, line_total_minor, "
        "reserved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz)",
        o.id, static_cast<int>(i),
        o.access_stream_id.empty() && l.product_id.empty() ? ids::NewId("prd") : l.product_id,
        o.access_stream_id.empty() ? ids::NewId("res") : "", o.access_stream_id,
        o.access_stream_id.empty() ? o.stream_id : "", l.title, l.quantity, l.unit_minor,
        l.unit_minor * l.quantity, PgTime(o.reserved_at));
  }
  tx.commit();
  return o.id;
}

}  // namespace shopcast::order::testing
