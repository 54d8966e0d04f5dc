#pragma once

// Typed details on an error: a serialized protobuf message carried inside an absl::Status and
// packed by the RPC edge (libs/server ToGrpcStatus) into the google.rpc.Status details, next
// to the ErrorInfo, as a google.protobuf.Any. For what one reason and field cannot say: every
// field violation of a request at once, or the current state of a resource a stale write lost
// to. Kept apart from status.h so that header (included everywhere) stays free of it.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shopcast {

// Payload type URLs under this prefix are details (the Any type URL convention).
inline constexpr char kDetailPayloadPrefix[] = "type.googleapis.com/";

// Attaches `serialized`, a message of the full proto name `type_name` (e.g.
// "shopcast.product_inventory.v1.FieldViolations"), to non-OK `s`. A second detail of the same
// type replaces the first. No-op on OK.
void AttachDetail(absl::Status& s, absl::string_view type_name, absl::string_view serialized);

// The serialized detail of `type_name` on `s`, if any.
std::optional<std::string> DetailOf(const absl::Status& s, absl::string_view type_name);

}  // namespace shopcast
