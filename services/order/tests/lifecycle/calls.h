#pragma once

// Calls of the order service's public RPCs as the lifecycle tests make them: one line each,
// the status and the order back.

#include <string>

#include "support/app_fixture.h"

namespace shopcast::order::testing {

struct Answer {
  grpc::Status status;
  pb::Order order;
  // The reason and field, as ToGrpcStatus carries them (error details and message).
  std::string Reason() const { return status.error_message() + " " + status.error_details(); }
};

template <typename Request, typename Response>
Answer CallOrder(grpc::Status (pb::OrderService::Stub::*method)(grpc::ClientContext*,
                                                                const Request&, Response*),
                 pb::OrderService::Stub& stub, const std::string& token, const Request& request) {
  grpc::ClientContext ctx;
  Prepare(ctx, token);
  Response response;
  Answer a;
  a.status = (stub.*method)(&ctx, request, &response);
  a.order = response.order();
  return a;
}

inline Answer PlaceCall(pb::OrderService::Stub& stub, const std::string& token,
                        const pb::PlaceOrderRequest& request) {
  return CallOrder(&pb::OrderService::Stub::PlaceOrder, stub, token, request);
}

inline Answer GetCall(pb::OrderService::Stub& stub, const std::string& token,
                      const std::string& order_id) {
  pb::GetOrderRequest r;
  r.set_order_id(order_id);
  return CallOrder(&pb::OrderService::Stub::GetOrder, stub, token, r);
}

inline Answer CancelCall(pb::OrderService::Stub& stub, const std::string& token,
                         const std::string& order_id,
                         pb::CancelReason reason = pb::CANCEL_REASON_BUYER_REQUESTED,
                         const std::string& note = "") {
  pb::CancelOrderRequest r;
  r.set_order_id(order_id);
  r.set_reason(reason);
  r.set_note(note);
  return CallOrder(&pb::OrderService::Stub::CancelOrder, stub, token, r);
}

inline Answer ShipCall(pb::OrderService::Stub& stub, const std::string& token,
                       const std::string& order_id, const std::string& carrier = "DHL",
                       const std::string& tracking = "JD014600006281230") {
  pb::MarkOrderShippedRequest r;
  r.set_order_id(order_id);
  r.set_carrier(carrier);
  r.set_tracking_number(tracking);
  return CallOrder(&pb::OrderService::Stub::MarkOrderShipped, stub, token, r);
}

// amount_minor < 0: unset (everything left).
inline Answer RefundCall(pb::OrderService::Stub& stub, const std::string& token,
                         const std::string& order_id, const std::string& key,
                         int64_t amount_minor = -1, bool keep_stock = false,
                         const std::string& currency = "USD") {
  pb::RefundOrderRequest r;
  r.set_order_id(order_id);
  r.set_refund_key(key);
  if (amount_minor >= 0) {
    r.mutable_amount()->set_amount_minor(amount_minor);
    r.mutable_amount()->set_currency(currency);
  }
  r.set_keep_stock(keep_stock);
  return CallOrder(&pb::OrderService::Stub::RefundOrder, stub, token, r);
}

}  // namespace shopcast::order::testing
