#pragma once

// video-ingest's events, as they change rooms: a stream's creation opens its room, its status
// changes become StreamStatusChanged room events, and its end closes the room. Applied inside
// the consumer's transaction (with its dedupe mark), so each event takes effect exactly once.

#include <optional>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rooms/room_log.h"
#include "shopcast/common/v1/event.pb.h"

namespace shopcast::realtime_push::rooms {

// A stream that went live for the first time: its host's followers are to be told.
struct WentLive {
  std::string stream_id;
  std::string host_id;
  std::string title;
  std::string event_id;
};

struct StreamEventEffects {
  std::vector<Appended> appended;  // to fan out after commit
  std::optional<WentLive> went_live;
};

// True for the event types this module handles ("video_ingest.*").
bool IsStreamEvent(const common::v1::Event& event);

// Applies a video-ingest event. Unknown video_ingest types and segments are accepted with no
// effect. INVALID_ARGUMENT EVENT_PAYLOAD_INVALID for a payload that does not unpack (the relay
// would redeliver it forever otherwise: the caller accepts and logs it).
absl::StatusOr<StreamEventEffects> ApplyStreamEvent(pqxx::work& tx, const common::v1::Event& event,
                                                    absl::Time now);

}  // namespace shopcast::realtime_push::rooms
