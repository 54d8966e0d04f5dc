#pragma once

// Every problem of a request at once. Validation collects violations instead of stopping at
// the first, so a host's form can mark every bad field in one round trip; ToStatus turns them
// into INVALID_ARGUMENT whose reason and field are the first violation's and whose details
// carry all of them (v1::FieldViolations, shopcast/status/details.h).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "shopcast/product_inventory/v1/product_inventory.pb.h"

namespace shopcast::product_inventory::catalog {

class Violations {
 public:
  // `field` is the request's proto path ("product.price", "product.parameters[size]").
  void Add(absl::string_view field, absl::string_view reason, absl::string_view description);
  bool empty() const { return list_.violations().empty(); }
  const v1::FieldViolations& list() const { return list_; }
  // True if some violation is on `field` exactly.
  bool Has(absl::string_view field) const;

  // OK when empty; else INVALID_ARGUMENT as described above, with `summary` appended to the
  // first violation's description when there are several.
  absl::Status ToStatus() const;

 private:
  v1::FieldViolations list_;
};

// The FieldViolations carried by `s` (empty when none).
v1::FieldViolations ViolationsOf(const absl::Status& s);

}  // namespace shopcast::product_inventory::catalog
