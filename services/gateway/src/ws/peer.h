#pragma once

// A socket as the rooms see it. Rooms call it from gRPC threads with their own lock held, so
// everything here is thread-safe, never blocks and never calls back into a room.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shopcast/gateway/v1/gateway.pb.h"
#include "ws/frames.h"

namespace shopcast::gateway::ws {

enum class SendKind {
  kEvent,      // a durable room event: refused (false) when the queue is full
  kEphemeral,  // counts: dropped (false) when the queue is full, nothing else happens
  kControl,    // acks, errors, room_started/ended: queued even over the bound (a small slack)
};

class Peer {
 public:
  virtual ~Peer() = default;
  virtual uint64_t id() const = 0;
  virtual Subprotocol subprotocol() const = 0;
  // Queues `bytes` (already in this socket's subprotocol) for writing.
  virtual bool Send(const FrameBytes& bytes, SendKind kind) = 0;
  // The room stopped forwarding to this socket (it was removed from the room first): the socket
  // tells its client (room_ended) and forgets the room.
  virtual void RoomEnded(const std::string& stream_id, v1::RoomEndReason reason,
                         int64_t last_sequence, absl::Duration retry_after) = 0;
  // The room could not be started for this socket (bad or unknown room, sequence ahead): an
  // error frame answers `frame_id`, and the socket forgets the room.
  virtual void RoomFailed(const std::string& stream_id, const std::string& frame_id,
                          const absl::Status& status) = 0;
};

}  // namespace shopcast::gateway::ws
