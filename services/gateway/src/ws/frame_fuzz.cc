// libFuzzer entry point for what a WebSocket client controls before any handler runs: its
// frames (shopcast.v1.json text, shopcast.v1.proto binary), the upgrade's request target and
// its Sec-WebSocket-Protocol header. Built by the fuzz preset (src/ws/ws.cmake) and replayed
// over src/ws/fuzz_corpus in the normal build.
// Input: the first byte picks the mode, the rest is the bytes.
//   0: a text frame on the JSON subprotocol;  1: a binary frame on the proto subprotocol;
//   2: a binary frame on JSON / text on proto (always refused);
//   3: a request target;  4: a Sec-WebSocket-Protocol header.
// A frame that reads must say the same after being written and read again in the other
// encoding, and must carry a body and a valid frame id.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "ws/frames.h"

namespace {

using shopcast::gateway::ws::ReadClientFrame;
using shopcast::gateway::ws::Subprotocol;

void CheckFrame(const shopcast::gateway::v1::ClientFrame& frame) {
  if (frame.body_case() == shopcast::gateway::v1::ClientFrame::BODY_NOT_SET) std::abort();
  if (frame.frame_id().size() > 64) std::abort();
  // Binary round trip.
  const std::string binary = frame.SerializeAsString();
  auto again = ReadClientFrame(Subprotocol::kProto, true, binary);
  if (!again.ok()) std::abort();
  if (!google::protobuf::util::MessageDifferencer::Equals(frame, *again)) std::abort();
  // JSON round trip.
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(frame, &json).ok()) std::abort();
  auto from_json = ReadClientFrame(Subprotocol::kJson, false, json);
  if (!from_json.ok()) std::abort();
  if (!google::protobuf::util::MessageDifferencer::Equals(frame, *from_json)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int mode = data[0] % 5;
  const absl::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (mode) {
    case 0: {
      auto frame = ReadClientFrame(Subprotocol::kJson, false, bytes);
      if (frame.ok()) CheckFrame(*frame);
      break;
    }
    case 1: {
      auto frame = ReadClientFrame(Subprotocol::kProto, true, bytes);
      if (frame.ok()) CheckFrame(*frame);
      break;
    }
    case 2: {
      if (ReadClientFrame(Subprotocol::kJson, true, bytes).ok()) std::abort();
      if (ReadClientFrame(Subprotocol::kProto, false, bytes).ok()) std::abort();
      break;
    }
    case 3: {
      auto target = shopcast::gateway::ws::ParseWsTarget(bytes);
      if (target.ok() && target->after_sequence < 0) std::abort();
      if (target.ok() && target->stream_id && target->stream_id->size() != 30) std::abort();
      break;
    }
    case 4:
      (void)shopcast::gateway::ws::ChooseSubprotocol(bytes);
      break;
  }
  return 0;
}
