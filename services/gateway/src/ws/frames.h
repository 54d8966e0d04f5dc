#pragma once

// The WebSocket frames of gateway.v1 as bytes: reading a client's frame (untrusted input; the
// fuzzed part), writing server frames once per subprotocol, choosing the subprotocol and reading
// the upgrade target. Pure: no sockets, no gRPC calls.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"
#include "shopcast/gateway/v1/gateway.pb.h"

namespace shopcast::gateway::ws {

// `shopcast.v1.json`: text frames, proto3 JSON. `shopcast.v1.proto`: binary frames.
enum class Subprotocol { kJson, kProto };

inline constexpr char kJsonSubprotocol[] = "shopcast.v1.json";
inline constexpr char kProtoSubprotocol[] = "shopcast.v1.proto";

// The subprotocol for a Sec-WebSocket-Protocol request header: the first offered that we speak.
// No header: JSON (and the answer names none). Only unknown ones offered: nullopt (refuse).
struct SubprotocolChoice {
  Subprotocol protocol = Subprotocol::kJson;
  bool echo = false;  // name it in the handshake answer
};
std::optional<SubprotocolChoice> ChooseSubprotocol(absl::string_view offered);

// What the upgrade's request target asks for: `/ws/v1`, or `/ws/streams/<str_…>` with optional
// `after_sequence=<n>` and `skip_presence=true|1` query parameters (that room subscribed on
// connect). NotFound for any other path, InvalidArgument for a bad stream id or parameter.
struct WsTarget {
  std::optional<std::string> stream_id;
  int64_t after_sequence = 0;
  bool skip_presence = false;
};
absl::StatusOr<WsTarget> ParseWsTarget(absl::string_view target);

// Reads one client message. `binary` says which WebSocket opcode carried it. Errors are
// INVALID_ARGUMENT with reason FRAME_TYPE_MISMATCH (text on the proto subprotocol or the
// reverse), FRAME_MALFORMED (not a ClientFrame in that encoding; unknown JSON fields included),
// FRAME_BODY_MISSING, FRAME_ID_INVALID (1..64 printable ASCII, empty only on heartbeats).
absl::StatusOr<v1::ClientFrame> ReadClientFrame(Subprotocol protocol, bool binary,
                                                absl::string_view bytes);

// A server frame serialized for one subprotocol.
using FrameBytes = std::shared_ptr<const std::string>;
FrameBytes WriteServerFrame(const v1::ServerFrame& frame, Subprotocol protocol);

// A server frame serialized once for each subprotocol, shared by every socket that gets it.
struct EncodedFrame {
  FrameBytes json;
  FrameBytes proto;
  const FrameBytes& For(Subprotocol p) const { return p == Subprotocol::kJson ? json : proto; }
  size_t SizeFor(Subprotocol p) const { return For(p) ? For(p)->size() : 0; }
};
EncodedFrame EncodeBoth(const v1::ServerFrame& frame);

// An error frame for a failed client frame (`frame_id`) or the connection (empty id).
v1::ServerFrame ErrorFrameOf(const absl::Status& status, absl::string_view frame_id,
                             bool fatal = false);
// The same for a peer's gRPC status: its ErrorInfo (from the status details or the reason
// trailer) is passed on; INTERNAL-like messages are replaced by a generic text.
absl::Status FromUpstream(const grpc::Status& status, absl::string_view reason_trailer);

}  // namespace shopcast::gateway::ws
