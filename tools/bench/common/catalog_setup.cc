#include "common/catalog_setup.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace shopcast::bench {
namespace {

namespace v1 = ::shopcast::product_inventory::v1;

template <typename Request, typename Response>
absl::Status Call(grpc::Status (v1::ProductInventoryService::Stub::*method)(grpc::ClientContext*,
                                                                            const Request&,
                                                                            Response*),
                  v1::ProductInventoryService::Stub& stub, const std::string& authorization,
                  const Request& request, Response* response, const char* what) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  ctx.AddMetadata("authorization", authorization);
  const grpc::Status s = (stub.*method)(&ctx, request, response);
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", s.error_message()));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> CreateProducts(v1::ProductInventoryService::Stub& stub,
                                                        const std::string& admin_authorization,
                                                        const std::string& host_authorization,
                                                        const ProductSpec& spec) {
  v1::CreateProductTypeRequest type_req;
  v1::ProductType* t = type_req.mutable_product_type();
  t->set_name("Flash sale item");
  v1::ParameterSpec* size = t->add_parameters();
  size->set_key("size");
  size->set_label("Size");
  size->set_kind(v1::PARAMETER_KIND_CHOICE);
  size->set_required(true);
  for (const char* c : {"S", "M", "L"}) size->add_choices(c);
  v1::CreateProductTypeResponse type;
  if (absl::Status s = Call(&v1::ProductInventoryService::Stub::CreateProductType, stub,
                            admin_authorization, type_req, &type, "CreateProductType");
      !s.ok()) {
    return s;
  }

  v1::CreateShippingProfileRequest profile_req;
  v1::ShippingProfile* p = profile_req.mutable_shipping_profile();
  p->set_name("Standard");
  p->set_origin_country_code("US");
  p->mutable_handling_time()->set_seconds(86400);
  v1::ShippingRate* rate = p->add_rates();
  rate->add_country_codes("*");
  rate->mutable_first_unit()->set_amount_minor(500);
  rate->mutable_first_unit()->set_currency("USD");
  v1::CreateShippingProfileResponse profile;
  if (absl::Status s = Call(&v1::ProductInventoryService::Stub::CreateShippingProfile, stub,
                            host_authorization, profile_req, &profile, "CreateShippingProfile");
      !s.ok()) {
    return s;
  }

  std::vector<std::string> ids;
  for (int i = 0; i < spec.count; ++i) {
    v1::CreateProductRequest req;
    v1::Product* product = req.mutable_product();
    product->set_product_type_id(type.product_type().id());
    product->set_title(absl::StrCat("Flash sale item ", i));
    (*product->mutable_parameters())["size"].set_choice_value("M");
    product->set_sale_mode(v1::SALE_MODE_FIXED_PRICE);
    product->mutable_price()->set_amount_minor(4500);
    product->mutable_price()->set_currency("USD");
    product->set_shipping_profile_id(profile.shipping_profile().id());
    if (spec.per_user_limit > 0) {
      product->mutable_purchase_limit()->set_max_quantity_per_user(spec.per_user_limit);
    }
    req.set_initial_stock(spec.units);
    req.set_idempotency_key(absl::StrCat("p", i));
    v1::CreateProductResponse created;
    if (absl::Status s = Call(&v1::ProductInventoryService::Stub::CreateProduct, stub,
                              host_authorization, req, &created, "CreateProduct");
        !s.ok()) {
      return s;
    }
    ids.push_back(created.product().id());
  }
  return ids;
}

}  // namespace shopcast::bench
