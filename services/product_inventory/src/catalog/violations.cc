#include "catalog/violations.h"

#include "absl/strings/str_cat.h"
#include "shopcast/status/details.h"
#include "shopcast/status/status.h"

namespace shopcast::product_inventory::catalog {

void Violations::Add(absl::string_view field, absl::string_view reason,
                     absl::string_view description) {
  v1::FieldViolation* v = list_.add_violations();
  v->set_field(std::string(field));
  v->set_reason(std::string(reason));
  v->set_description(std::string(description));
}

bool Violations::Has(absl::string_view field) const {
  for (const v1::FieldViolation& v : list_.violations()) {
    if (v.field() == field) return true;
  }
  return false;
}

absl::Status Violations::ToStatus() const {
  if (empty()) return absl::OkStatus();
  const v1::FieldViolation& first = list_.violations(0);
  std::string message = first.description();
  if (list_.violations_size() > 1) {
    absl::StrAppend(&message, " (and ", list_.violations_size() - 1,
                    " more; see the FieldViolations detail)");
  }
  absl::Status s = InvalidArgument(first.field(), first.reason(), message);
  s.SetPayload("type.shopcast.dev/violation_count",
               absl::Cord(absl::StrCat(list_.violations_size())));
  AttachDetail(s, v1::FieldViolations::descriptor()->full_name(), list_.SerializeAsString());
  return s;
}

v1::FieldViolations ViolationsOf(const absl::Status& s) {
  v1::FieldViolations out;
  if (auto d = DetailOf(s, v1::FieldViolations::descriptor()->full_name())) {
    out.ParseFromString(*d);
  }
  return out;
}

}  // namespace shopcast::product_inventory::catalog
