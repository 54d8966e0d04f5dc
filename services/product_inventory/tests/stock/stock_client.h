#pragma once

// Helpers for the stock area's whole-App tests: a catalogue with a listed product, buyers'
// calls through the public stub, the order service's calls through the internal listener, and
// what the database says (the invariant, outbox rows).

#include <atomic>
#include <memory>
#include <string>

#include "catalog/catalog_client.h"
#include "shopcast/clients/internal.h"

namespace shopcast::product_inventory::testing {

using Stub = pb::ProductInventoryService::Stub;
using Internal = pb::ProductInventoryInternalService::Stub;

// The ErrorInfo metadata `key` of a failed call ("" if absent).
inline std::string MetadataOf(const grpc::Status& s, const std::string& key) {
  common::v1::ErrorInfo info;
  if (!DetailOf(s, &info)) return "";
  auto it = info.metadata().find(key);
  return it == info.metadata().end() ? "" : it->second;
}

// The order service's stub on `r`'s internal listener.
inline std::unique_ptr<Internal> InternalStub(AppFixture& f, Replica& r) {
  auto channel = clients::MakeInternalChannel(
      "product-inventory", "127.0.0.1:" + std::to_string(r.host().internal_grpc_port()),
      f.Peer("order"));
  if (!channel.ok()) throw std::runtime_error("internal channel");
  return pb::ProductInventoryInternalService::NewStub(*channel);
}

template <typename Request, typename Response, typename S>
Result<Response> CallOn(S& stub,
                        grpc::Status (S::*method)(grpc::ClientContext*, const Request&, Response*),
                        const std::string& token, const Request& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) Authorize(ctx, token);
  Result<Response> r;
  r.status = (stub.*method)(&ctx, request, &r.response);
  return r;
}

// A catalogue with one type and the host's profile.
class StockWorld {
 public:
  explicit StockWorld(AppFixture& f, Replica& r)
      : f_(f), c_(f, r), type_(c_.CreateApparelType()), profile_(c_.CreateProfile(c_.host())) {}

  Catalog& catalog() { return c_; }
  Stub& stub() { return c_.stub(); }

  // A listed fixed-price product of usr_host with `units`; `edit` changes the draft.
  pb::Product Product(int64_t units, const std::string& key,
                      const std::function<void(pb::CreateProductRequest&)>& edit = nullptr) {
    pb::CreateProductRequest req = Catalog::FixedPrice(type_, profile_, key);
    req.set_initial_stock(units);
    if (edit) edit(req);
    auto r = c_.Create(c_.host(), req);
    if (!r.status.ok()) throw std::runtime_error("product: " + r.status.error_message());
    return r.response.product();
  }

  Result<pb::ReserveResponse> Reserve(const std::string& token, const std::string& product,
                                      int quantity, const std::string& key) {
    pb::ReserveRequest req;
    req.set_product_id(product);
    req.set_quantity(quantity);
    req.set_idempotency_key(key);
    return CallOn(stub(), &Stub::Reserve, token, req);
  }

  pb::Stock StockOf(const std::string& product) {
    pb::GetStockRequest req;
    req.add_product_ids(product);
    auto r = CallOn(stub(), &Stub::GetStock, std::string(), req);
    if (!r.status.ok() || r.response.stocks_size() != 1) throw std::runtime_error("GetStock");
    return r.response.stocks(0);
  }

  // available + held + sold == total, counted from the holds themselves.
  bool InvariantHolds(const std::string& product) {
    return f_.Count("SELECT count(*) FROM stock s WHERE s.product_id = '" + product +
                    "' AND s.held = (SELECT coalesce(sum(quantity), 0) FROM holds h WHERE "
                    "h.product_id = s.product_id AND h.state = 'active') AND s.sold = "
                    "(SELECT coalesce(sum(quantity), 0) FROM holds h WHERE h.product_id = "
                    "s.product_id AND h.state = 'committed') AND s.held + s.sold <= s.total") == 1;
  }

 private:
  AppFixture& f_;
  Catalog c_;
  pb::ProductType type_;
  pb::ShippingProfile profile_;
};

}  // namespace shopcast::product_inventory::testing
