#pragma once

// Field checks shared by the room RPCs.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "shopcast/realtime_push/v1/realtime_push.pb.h"

namespace shopcast::realtime_push::rooms {

// INVALID_ARGUMENT STREAM_ID_INVALID unless `id` is a well-formed str_ id.
absl::Status ValidateStreamId(absl::string_view id, absl::string_view field = "stream_id");

// True if `s` is min..max bytes of printable ASCII (0x21..0x7e).
bool IsPrintableAscii(absl::string_view s, size_t min, size_t max);

// Like bursts and viewer counts: fanned out, never logged.
bool IsEphemeral(const ::shopcast::realtime_push::v1::RoomEvent& event);

}  // namespace shopcast::realtime_push::rooms
