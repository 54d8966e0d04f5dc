#pragma once

// Helpers for the catalogue's pg tests: a catalogue set up the way a host finds it (a platform
// product type with a schema, the host's shipping profile), valid drafts to vary, calls that
// return their status, and readers of the status details.

#include <string>
#include <utility>
#include <vector>

#include "../support/app_fixture.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "shopcast/common/v1/error.pb.h"

namespace shopcast::product_inventory::testing {

// The reason of a failed call (its ErrorInfo), or "".
inline std::string ReasonOf(const grpc::Status& s) {
  google::rpc::Status details;
  if (!details.ParseFromString(s.error_details())) return "";
  for (const auto& any : details.details()) {
    common::v1::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

// The first detail of type T of a failed call, if any.
template <typename T>
bool DetailOf(const grpc::Status& s, T* out) {
  google::rpc::Status details;
  if (!details.ParseFromString(s.error_details())) return false;
  for (const auto& any : details.details()) {
    if (any.Is<T>()) return any.UnpackTo(out);
  }
  return false;
}

// (field, reason) of every violation a failed call carries.
inline std::vector<std::pair<std::string, std::string>> ViolationsOf(const grpc::Status& s) {
  std::vector<std::pair<std::string, std::string>> out;
  pb::FieldViolations violations;
  if (DetailOf(s, &violations)) {
    for (const auto& v : violations.violations()) out.emplace_back(v.field(), v.reason());
  }
  return out;
}

inline common::v1::Money Money(int64_t minor, const std::string& currency = "USD") {
  common::v1::Money m;
  m.set_amount_minor(minor);
  m.set_currency(currency);
  return m;
}

inline pb::ParameterValue Text(const std::string& v) {
  pb::ParameterValue p;
  p.set_text_value(v);
  return p;
}
inline pb::ParameterValue Choice(const std::string& v) {
  pb::ParameterValue p;
  p.set_choice_value(v);
  return p;
}
inline pb::ParameterValue Integer(int64_t v) {
  pb::ParameterValue p;
  p.set_integer_value(v);
  return p;
}

// The result of one call.
template <typename Response>
struct Result {
  grpc::Status status;
  Response response;
};

// One stub and the tokens of the usual cast, over a replica of `f`.
class Catalog {
 public:
  Catalog(AppFixture& f, Replica& r)
      : f_(f),
        stub_(r.Stub()),
        admin_(f.TokenFor("usr_admin", "admin")),
        host_(f.TokenFor("usr_host", "host")),
        other_host_(f.TokenFor("usr_other", "host")),
        viewer_(f.TokenFor("usr_viewer", "viewer")) {}

  pb::ProductInventoryService::Stub& stub() { return *stub_; }
  const std::string& admin() const { return admin_; }
  const std::string& host() const { return host_; }
  const std::string& other_host() const { return other_host_; }
  const std::string& viewer() const { return viewer_; }

  // Calls `method` with `token` ("" = none).
  template <typename Request, typename Response>
  Result<Response> Call(grpc::Status (pb::ProductInventoryService::Stub::*method)(
                            grpc::ClientContext*, const Request&, Response*),
                        const std::string& token, const Request& request) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) Authorize(ctx, token);
    Result<Response> r;
    r.status = ((*stub_).*method)(&ctx, request, &r.response);
    return r;
  }

  // "Apparel": size (choice S/M/L, required), colour (text 1..20 letters, required),
  // chest_cm (integer 30..200, optional), vintage (boolean, optional); both sale modes.
  pb::ProductType CreateApparelType(const std::string& name = "Apparel") {
    pb::CreateProductTypeRequest req;
    pb::ProductType* t = req.mutable_product_type();
    t->set_name(name);
    auto* size = t->add_parameters();
    size->set_key("size");
    size->set_label("Size");
    size->set_kind(pb::PARAMETER_KIND_CHOICE);
    size->set_required(true);
    for (const char* c : {"S", "M", "L"}) size->add_choices(c);
    auto* colour = t->add_parameters();
    colour->set_key("colour");
    colour->set_label("Colour");
    colour->set_kind(pb::PARAMETER_KIND_TEXT);
    colour->set_required(true);
    colour->set_max_length(20);
    colour->set_pattern("[A-Za-z ]+");
    auto* chest = t->add_parameters();
    chest->set_key("chest_cm");
    chest->set_label("Chest");
    chest->set_kind(pb::PARAMETER_KIND_INTEGER);
    chest->set_min_value(30);
    chest->set_max_value(200);
    chest->set_unit("cm");
    auto* vintage = t->add_parameters();
    vintage->set_key("vintage");
    vintage->set_label("Vintage");
    vintage->set_kind(pb::PARAMETER_KIND_BOOLEAN);
    auto r = Call(&pb::ProductInventoryService::Stub::CreateProductType, admin_, req);
    if (!r.status.ok()) throw std::runtime_error("type: " + r.status.error_message());
    return r.response.product_type();
  }

  // A flat-rate profile of `token`'s host.
  pb::ShippingProfile CreateProfile(const std::string& token, const std::string& name = "Std") {
    pb::CreateShippingProfileRequest req;
    pb::ShippingProfile* p = req.mutable_shipping_profile();
    p->set_name(name);
    p->set_origin_country_code("US");
    p->mutable_handling_time()->set_seconds(86400);
    pb::ShippingRate* rate = p->add_rates();
    rate->add_country_codes("US");
    *rate->mutable_first_unit() = Money(500);
    *rate->mutable_additional_unit() = Money(100);
    pb::ShippingRate* rest = p->add_rates();
    rest->add_country_codes("*");
    *rest->mutable_first_unit() = Money(2000);
    auto r = Call(&pb::ProductInventoryService::Stub::CreateShippingProfile, token, req);
    if (!r.status.ok()) throw std::runtime_error("profile: " + r.status.error_message());
    return r.response.shipping_profile();
  }

  // A valid fixed-price draft of `type` shipped with `profile`.
  static pb::CreateProductRequest FixedPrice(const pb::ProductType& type,
                                             const pb::ShippingProfile& profile,
                                             const std::string& key = "k1") {
    pb::CreateProductRequest req;
    pb::Product* p = req.mutable_product();
    p->set_product_type_id(type.id());
    p->set_title("Vintage denim jacket");
    p->set_description("Worn twice.\nNo stains.");
    (*p->mutable_parameters())["size"] = Choice("M");
    (*p->mutable_parameters())["colour"] = Text("Indigo blue");
    (*p->mutable_parameters())["chest_cm"] = Integer(104);
    p->set_sale_mode(pb::SALE_MODE_FIXED_PRICE);
    *p->mutable_price() = Money(4500);
    p->set_shipping_profile_id(profile.id());
    req.set_initial_stock(10);
    req.set_idempotency_key(key);
    return req;
  }

  // A valid auction draft: start 10.00, reserve 20.00, buy-now 50.00, two minutes.
  static pb::CreateProductRequest Auction(const pb::ProductType& type,
                                          const pb::ShippingProfile& profile,
                                          const std::string& key = "a1") {
    pb::CreateProductRequest req = FixedPrice(type, profile, key);
    pb::Product* p = req.mutable_product();
    p->clear_price();
    p->set_sale_mode(pb::SALE_MODE_AUCTION);
    pb::AuctionSettings* a = p->mutable_auction_settings();
    *a->mutable_starting_bid() = Money(1000);
    *a->mutable_reserve_price() = Money(2000);
    *a->mutable_buy_now_price() = Money(5000);
    a->mutable_duration()->set_seconds(120);
    req.set_initial_stock(1);
    return req;
  }

  Result<pb::CreateProductResponse> Create(const std::string& token,
                                           const pb::CreateProductRequest& req) {
    return Call(&pb::ProductInventoryService::Stub::CreateProduct, token, req);
  }

 private:
  AppFixture& f_;
  std::unique_ptr<pb::ProductInventoryService::Stub> stub_;
  std::string admin_, host_, other_host_, viewer_;
};

}  // namespace shopcast::product_inventory::testing
