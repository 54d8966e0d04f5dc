#include "shopcast/status/details.h"

#include "absl/strings/str_cat.h"

namespace shopcast {

void AttachDetail(absl::Status& s, absl::string_view type_name, absl::string_view serialized) {
  if (s.ok()) return;
  s.SetPayload(absl::StrCat(kDetailPayloadPrefix, type_name), absl::Cord(serialized));
}

std::optional<std::string> DetailOf(const absl::Status& s, absl::string_view type_name) {
  auto payload = s.GetPayload(absl::StrCat(kDetailPayloadPrefix, type_name));
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace shopcast
