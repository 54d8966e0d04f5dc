#include "shopcast/status/status.h"

#include "absl/strings/cord.h"

namespace shopcast {

absl::Status Error(absl::StatusCode code, absl::string_view reason, absl::string_view message,
                   absl::string_view field) {
  absl::Status s(code, message);
  if (!reason.empty()) s.SetPayload(kReasonPayload, absl::Cord(reason));
  if (!field.empty()) s.SetPayload(kFieldPayload, absl::Cord(field));
  return s;
}

absl::Status InvalidArgument(absl::string_view field, absl::string_view reason,
                             absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, reason, message, field);
}
absl::Status NotFound(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kNotFound, reason, message);
}
absl::Status PermissionDenied(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kPermissionDenied, reason, message);
}
absl::Status Unauthenticated(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kUnauthenticated, reason, message);
}

std::string ReasonOf(const absl::Status& s) {
  auto p = s.GetPayload(kReasonPayload);
  return p ? std::string(*p) : std::string();
}
std::string FieldOf(const absl::Status& s) {
  auto p = s.GetPayload(kFieldPayload);
  return p ? std::string(*p) : std::string();
}

}  // namespace shopcast
