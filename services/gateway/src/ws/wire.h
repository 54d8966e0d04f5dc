#pragma once

// RFC 6455 on the server side, without extensions: the handshake's accept key, the client's
// frames read incrementally from untrusted bytes (masked, possibly fragmented, control frames
// interleaved), and the server's frame headers. Pure: no sockets, no allocation while idle.
//
// Why not Boost.Beast's websocket::stream (which the TLS path still uses): it keeps a 1.5 KiB
// read buffer, a timer and seven saved handlers inside every stream, several KiB per socket
// before any of ours; the hub's goal is at most 2 KiB per idle socket in all. This reader is
// 160 bytes and holds no heap while idle; it buffers only the message (or control frame) still
// being assembled, and frees it when handing it over.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace shopcast::gateway::ws::wire {

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (base64 of SHA-1 of the key and the
// RFC's GUID); nullopt unless the key is base64 of exactly 16 bytes.
std::optional<std::string> AcceptKey(absl::string_view client_key);

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes the server sends.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseBadData = 1007;  // text that is not UTF-8
inline constexpr uint16_t kClosePolicy = 1008;
inline constexpr uint16_t kCloseTooBig = 1009;
inline constexpr uint16_t kCloseNoStatus = 1005;  // received: a close frame without a code

// A server frame's header (FIN set, unmasked), ready to go before the payload.
struct FrameHeader {
  uint8_t bytes[10];
  uint8_t size;
};
FrameHeader ServerFrameHeader(Opcode opcode, uint64_t payload_size);

// A whole server close frame: the code and the reason (cut to fit 125 bytes on a UTF-8
// character boundary).
std::string CloseFrame(uint16_t code, absl::string_view reason);

// What the reader hands over: whole data messages (fragments joined, unmasked) and control
// frames.
struct Message {
  enum class Kind { kText, kBinary, kPing, kPong, kClose };
  Kind kind = Kind::kText;
  std::string payload;                   // for kClose: the reason text
  uint16_t close_code = kCloseNoStatus;  // kClose only
};

// Reads one connection's client frames. Feed it the bytes as they arrive, in order; it appends
// every message completed by them to `out`. A protocol violation stops it for good: Feed
// returns false and error() says the close code to send and why. Violations: unmasked or
// RSV-flagged frames, reserved opcodes, a continuation with no message open or a new data frame
// while one is open, control frames fragmented or over 125 bytes, a non-minimal or
// over-63-bit length (1002); a message over max_message_bytes, counted as its frames'
// lengths arrive, before its payload is buffered (1009); text or a close reason that is not
// UTF-8 (1007); a close payload of one byte or with a code no endpoint may send (1002).
// Once the peer's close frame has been handed over, the bytes that follow it are ignored.
class MessageReader {
 public:
  explicit MessageReader(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  bool Feed(absl::string_view bytes, std::vector<Message>& out);

  struct Error {
    uint16_t close_code = 0;
    std::string why;
  };
  // Set once Feed has returned false (null before).
  const Error* error() const { return error_.get(); }
  // Bytes held for a frame or message still incomplete (0 between messages: nothing allocated).
  size_t buffered_bytes() const { return message_.size() + header_size_; }

 private:
  bool ReadHeaderByte(uint8_t byte);
  bool FinishFrame(std::vector<Message>& out);
  bool Fail(uint16_t close_code, std::string why);

  // Implementation state; kept small (an idle socket keeps one of these).
  size_t max_message_bytes_;
  uint64_t frame_remaining_ = 0;  // payload bytes of the current frame still to come
  std::string message_;           // the data message being assembled (released when handed over)
  // A control frame's payload in pieces (made when one arrives, released when handed over) and
  // the error: rare, so an idle socket keeps only their pointers.
  std::unique_ptr<std::string> control_;
  std::unique_ptr<Error> error_;
  uint8_t header_[14] = {};  // the current frame's header, as it arrives
  uint8_t header_size_ = 0;  // 0 once the header is whole
  uint8_t mask_[4] = {};
  uint8_t mask_offset_ = 0;    // where in the mask the next payload byte falls
  uint8_t opcode_ = 0;         // the current frame's
  bool in_frame_ = false;      // header read, payload still to come
  bool fin_ = false;           // the current frame's
  bool message_open_ = false;  // a data message's first frame has come, its last not yet
  bool message_binary_ = false;
  bool closed_ = false;  // the peer's close frame has been handed over
};

}  // namespace shopcast::gateway::ws::wire
