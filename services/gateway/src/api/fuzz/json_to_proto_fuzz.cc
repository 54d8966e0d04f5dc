// libFuzzer target for the API's JSON → proto path (api/json.h), the first thing every request
// body meets: no crash, no unbounded work, a refusal always carries one of the documented
// reasons and leaves the message empty, and whatever is accepted survives proto → JSON → proto
// unchanged. The first byte picks the request message; the rest is the body.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

#include "api/json.h"
#include "shopcast/gateway/v1/gateway.pb.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"
#include "shopcast/status/status.h"
#include "shopcast/user/v1/user.pb.h"

namespace {

std::unique_ptr<google::protobuf::Message> Pick(uint8_t selector) {
  switch (selector % 5) {
    case 0:
      return std::make_unique<shopcast::user::v1::LoginRequest>();
    case 1:
      return std::make_unique<shopcast::product_inventory::v1::CreateProductRequest>();
    case 2:
      return std::make_unique<shopcast::order::v1::PlaceOrderRequest>();
    case 3:
      return std::make_unique<shopcast::gateway::v1::ClientFrame>();
    default:
      return std::make_unique<shopcast::product_inventory::v1::CreateShippingProfileRequest>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto message = Pick(data[0]);
  const absl::Status s = shopcast::gateway::api::JsonToMessage(body, 32, message.get());
  if (!s.ok()) {
    static const std::set<std::string> kReasons = {
        "JSON_BAD_UTF8", "JSON_TOO_DEEP", "JSON_MALFORMED", "UNKNOWN_FIELD", "JSON_NOT_OBJECT"};
    if (s.code() != absl::StatusCode::kInvalidArgument ||
        kReasons.count(shopcast::ReasonOf(s)) == 0 || message->ByteSizeLong() != 0) {
      std::abort();
    }
    return 0;
  }
  const std::string printed = shopcast::gateway::api::MessageToJson(*message);
  auto again = Pick(data[0]);
  if (!shopcast::gateway::api::JsonToMessage(printed, 64, again.get()).ok()) std::abort();
  if (shopcast::gateway::api::MessageToJson(*again) != printed) std::abort();
  return 0;
}
