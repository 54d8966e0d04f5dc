#pragma once

// Catalog requests the whole-suite tests share (the show, the scale run, the fault worlds): a
// product type and a shipping profile as an admin and a host make them before a show. Only the
// messages: who sends them, with which token and retries, stays with each test.

#include <string>
#include <vector>

#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::suite {

// "Mugs"; with `sizes`, a required choice parameter "size" of those values.
product_inventory::v1::CreateProductTypeRequest MugTypeRequest(
    const std::vector<std::string>& sizes = {});

// "Standard": shipped from `origin_country` within a day, 5.00 USD to anywhere.
product_inventory::v1::CreateShippingProfileRequest StandardShippingRequest(
    const std::string& origin_country = "US");

}  // namespace shopcast::suite
