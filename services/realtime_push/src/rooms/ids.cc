#include "rooms/ids.h"

#include "shopcast/ids/ids.h"
#include "shopcast/status/status.h"

namespace shopcast::realtime_push::rooms {

absl::Status ValidateStreamId(absl::string_view id, absl::string_view field) {
  if (!ids::IsValidId(id, "str")) {
    return InvalidArgument(field, "STREAM_ID_INVALID", "expected a str_ stream id");
  }
  return absl::OkStatus();
}

bool IsPrintableAscii(absl::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool IsEphemeral(const ::shopcast::realtime_push::v1::RoomEvent& event) {
  using ::shopcast::realtime_push::v1::RoomEvent;
  return event.payload_case() == RoomEvent::kReactionCounts ||
         event.payload_case() == RoomEvent::kViewerCount;
}

}  // namespace shopcast::realtime_push::rooms
