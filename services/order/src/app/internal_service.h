#pragma once

// The internal OrderInternalService, served only on the internal listener to callers with a
// service certificate. Like PublicService it only routes.

#include "shopcast/order/v1/order.grpc.pb.h"

// ---- area headers: checkout ----
#include "checkout/checkout_rpcs.h"

namespace shopcast::order {

struct InternalAreas {
  // ---- checkout ----
  checkout::CheckoutRpcs* checkout = nullptr;
};

class InternalService : public v1::OrderInternalService::CallbackService {
 public:
  explicit InternalService(InternalAreas areas) : areas_(areas) {}

  // ---- checkout ----
  grpc::ServerUnaryReactor* CompletePlaceholderPayment(
      grpc::CallbackServerContext* ctx, const v1::CompletePlaceholderPaymentRequest* request,
      v1::CompletePlaceholderPaymentResponse* response) override;

 private:
  InternalAreas areas_;
};

}  // namespace shopcast::order
