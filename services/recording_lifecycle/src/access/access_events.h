#pragma once

// Paid access from the events peers deliver (pure: an Event in, plain structs out):
//
//   video_ingest.stream_created, .stream_updated -> Gating      (is the stream gated now)
//   order.access_pass_granted                     -> PassGranted (a viewer paid for the stream)
//   order.access_pass_revoked                     -> PassRevoked (that pass was refunded/cancelled)
//
// Anything else — other types, the right type from the wrong source — is nothing to do. A
// payload of one of these types that cannot be read, or names a malformed id, is
// INVALID_ARGUMENT with a reason naming what is wrong (the event is refused as a whole).

#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "shopcast/common/v1/event.pb.h"

namespace shopcast::recording_lifecycle::access {

struct Gating {
  std::string stream_id;
  bool gated = false;
  // StreamUpdated.version; 0 for stream_created (any update is newer).
  int64_t version = 0;
};

struct PassGranted {
  std::string order_id;
  std::string stream_id;
  std::string viewer_id;
  int64_t granted_us = 0;  // 0 if not given
};

struct PassRevoked {
  std::string order_id;
  std::string stream_id;
  std::string viewer_id;
  int64_t revoked_us = 0;  // 0 if not given
};

using AccessChange = std::variant<std::monostate, Gating, PassGranted, PassRevoked>;

// What `event` means for paid access (monostate: nothing).
absl::StatusOr<AccessChange> AccessChangeOf(const common::v1::Event& event);

}  // namespace shopcast::recording_lifecycle::access
