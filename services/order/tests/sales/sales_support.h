#pragma once

// Helpers for the sales tests: the two RPCs as a dashboard calls them, the reason of a failed
// call, and orders written straight into the database in any state (a sale confirmed at a
// given time, cancelled or refunded later, an access pass), as checkout and the order
// lifecycle leave them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/order/v1/order.grpc.pb.h"

namespace shopcast::order::testing {

namespace pb = ::shopcast::order::v1;

// The reason (ErrorInfo) of a failed call, or "".
std::string ReasonOf(const grpc::Status& s);
// The field (ErrorInfo) of a failed call, or "".
std::string FieldOf(const grpc::Status& s);

struct StreamSalesResult {
  grpc::Status status;
  pb::GetStreamSalesResponse response;
};
StreamSalesResult StreamSales(pb::OrderService::Stub& stub, const std::string& token,
                              const std::string& stream_id, int page_size = 0,
                              const std::string& page_token = "");

struct SellerStatsResult {
  grpc::Status status;
  pb::GetSellerStatsResponse response;
};
SellerStatsResult SellerStats(pb::OrderService::Stub& stub, const std::string& token,
                              const pb::GetSellerStatsRequest& request);

// Every sale of a stream, all pages of `page_size` followed.
std::vector<pb::Sale> AllSales(pb::OrderService::Stub& stub, const std::string& token,
                               const std::string& stream_id, int page_size);

struct SeedLine {
  std::string product_id;  // made for a product line when empty; "" for an access pass
  std::string title = "Enamel mug";
  int quantity = 1;
  int64_t unit_minor = 1000;
};

struct SeedOrder {
  std::string id;  // ord_…; made when empty
  std::string buyer_id;
  std::string seller_id;
  std::string stream_id;         // orders.stream_id and the product lines'
  std::string access_stream_id;  // set: the lines are access passes to this stream
  pb::OrderStatus status = pb::ORDER_STATUS_CONFIRMED;
  std::string currency = "USD";
  std::vector<SeedLine> lines = {SeedLine{}};
  int64_t shipping_minor = 0;
  int64_t refunded_minor = 0;
  absl::Time reserved_at;
  // Unset: the order never became a sale (pending or failed).
  std::optional<absl::Time> confirmed_at;
};

// Writes `order` (and its lines) to the database at `dsn`; returns its id.
std::string Seed(const std::string& dsn, SeedOrder order);

}  // namespace shopcast::order::testing
