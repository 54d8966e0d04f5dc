#pragma once

// The products of a run, made through product-inventory's public API the way a host makes
// them: a product type (admin), a shipping profile and fixed-price products (host).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"

namespace shopcast::bench {

struct ProductSpec {
  int count = 1;
  int64_t units = 0;
  int32_t per_user_limit = 0;  // 0 = none.
};

// `count` listed fixed-price products of the host with `units` each; their ids.
absl::StatusOr<std::vector<std::string>> CreateProducts(
    product_inventory::v1::ProductInventoryService::Stub& stub,
    const std::string& admin_authorization, const std::string& host_authorization,
    const ProductSpec& spec);

}  // namespace shopcast::bench
