#include "catalog.h"

namespace shopcast::suite {

namespace pi = ::shopcast::product_inventory::v1;

pi::CreateProductTypeRequest MugTypeRequest(const std::vector<std::string>& sizes) {
  pi::CreateProductTypeRequest req;
  req.mutable_product_type()->set_name("Mugs");
  if (sizes.empty()) return req;
  pi::ParameterSpec* size = req.mutable_product_type()->add_parameters();
  size->set_key("size");
  size->set_label("Size");
  size->set_kind(pi::PARAMETER_KIND_CHOICE);
  size->set_required(true);
  for (const std::string& s : sizes) size->add_choices(s);
  return req;
}

pi::CreateShippingProfileRequest StandardShippingRequest(const std::string& origin_country) {
  pi::CreateShippingProfileRequest req;
  pi::ShippingProfile* p = req.mutable_shipping_profile();
  p->set_name("Standard");
  p->set_origin_country_code(origin_country);
  p->mutable_handling_time()->set_seconds(86400);
  pi::ShippingRate* rate = p->add_rates();
  rate->add_country_codes("*");
  rate->mutable_first_unit()->set_amount_minor(500);
  rate->mutable_first_unit()->set_currency("USD");
  return req;
}

}  // namespace shopcast::suite
