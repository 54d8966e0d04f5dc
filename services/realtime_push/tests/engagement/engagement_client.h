#pragma once

// Engagement RPCs as the tests call them: one line per call, the status and its reason back,
// and the counts a Subscriber received.

#include <string>
#include <vector>

#include "grpcpp/support/status.h"
#include "support/app_fixture.h"

namespace shopcast::realtime_push::testing {

struct Outcome {
  grpc::Status status;
  std::string reason;  // the shopcast-error-reason trailer, "" when none

  bool ok() const { return status.ok(); }
  grpc::StatusCode code() const { return status.error_code(); }
};

// `token` "" calls anonymously; anything else is sent as the bearer token (forged ones too).
Outcome SetReaction(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
                    const std::string& session_id, pb::Reaction reaction,
                    const std::string& token = "", pb::SetReactionResponse* out = nullptr);
Outcome Join(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
             const std::string& session_id, const std::string& token = "",
             pb::JoinRoomResponse* out = nullptr);
Outcome Heartbeat(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
                  const std::string& session_id, const std::string& token = "",
                  pb::HeartbeatResponse* out = nullptr);
Outcome Leave(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
              const std::string& session_id, const std::string& token = "");
Outcome Stats(pb::RealtimePushService::Stub& stub, const std::string& stream_id,
              const std::string& token = "", pb::RoomStats* out = nullptr);

// A valid anonymous session id, distinct per `n`.
std::string SessionId(int n);

// The ephemeral counts a subscriber received, in arrival order.
std::vector<pb::ReactionCounts> ReactionEvents(const Subscriber& s);
std::vector<pb::ViewerCount> ViewerEvents(const Subscriber& s);

// A single bigint from `sql` ($1 = `param`) on the fixture's database.
int64_t QueryInt(RoomsFixture& f, const std::string& sql, const std::string& param);
// Closes the room (as the stream's end does).
void CloseRoom(RoomsFixture& f, const std::string& stream_id);

}  // namespace shopcast::realtime_push::testing
