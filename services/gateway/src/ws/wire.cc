#include "ws/wire.h"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>

namespace shopcast::gateway::ws::wire {
namespace {

constexpr absl::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr size_t kMaxControlPayload = 125;

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool ValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* const end = p + text.size();
  while (p < end) {
    const uint8_t b = *p;
    if (b < 0x80) {
      ++p;
      continue;
    }
    size_t extra;
    uint8_t lo = 0x80;  // bounds of the second byte; the others are always 80..BF
    uint8_t hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      extra = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      extra = 2;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      extra = 3;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return false;  // a continuation byte first, C0/C1 (overlong), F5..FF
    }
    if (static_cast<size_t>(end - p) <= extra) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (size_t i = 2; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += extra + 1;
  }
  return true;
}

// The close codes a peer may put in a close frame (RFC 6455 §7.4): the defined ones that are
// not reserved for local use, and the registered/private ranges.
bool ValidCloseCode(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// The 6-bit value of a base64 character already checked by IsBase64Char.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '+' ? 62 : 63;
}

}  // namespace

std::optional<std::string> AcceptKey(absl::string_view client_key) {
  // Optional whitespace around a header value is not part of it.
  while (!client_key.empty() && (client_key.front() == ' ' || client_key.front() == '\t')) {
    client_key.remove_prefix(1);
  }
  while (!client_key.empty() && (client_key.back() == ' ' || client_key.back() == '\t')) {
    client_key.remove_suffix(1);
  }
  // 16 bytes in canonical base64: 22 characters, the last carrying 2 bits (the other 4 zero),
  // and "==".
  if (client_key.size() != 24 || client_key[22] != '=' || client_key[23] != '=') {
    return std::nullopt;
  }
  for (size_t i = 0; i < 22; ++i) {
    if (!IsBase64Char(client_key[i])) return std::nullopt;
  }
  if ((Base64Value(client_key[21]) & 0x0F) != 0) return std::nullopt;
  unsigned char decoded[18];  // EVP_DecodeBlock keeps the padding's two zero bytes
  if (EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(client_key.data()),
                      static_cast<int>(client_key.size())) != 18) {
    return std::nullopt;
  }

  std::string keyed(client_key);
  keyed.append(kAcceptGuid.data(), kAcceptGuid.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(keyed.data(), keyed.size(), digest, &digest_size, EVP_sha1(), nullptr) != 1 ||
      digest_size != 20) {
    return std::nullopt;
  }
  unsigned char encoded[29];  // 28 characters and EVP_EncodeBlock's NUL
  const int encoded_size = EVP_EncodeBlock(encoded, digest, 20);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<size_t>(encoded_size));
}

FrameHeader ServerFrameHeader(Opcode opcode, uint64_t payload_size) {
  FrameHeader header{};
  header.bytes[0] = static_cast<uint8_t>(0x80 | static_cast<uint8_t>(opcode));
  if (payload_size < 126) {
    header.bytes[1] = static_cast<uint8_t>(payload_size);
    header.size = 2;
  } else if (payload_size <= 0xFFFF) {
    header.bytes[1] = 126;
    header.bytes[2] = static_cast<uint8_t>(payload_size >> 8);
    header.bytes[3] = static_cast<uint8_t>(payload_size);
    header.size = 4;
  } else {
    header.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) {
      header.bytes[2 + i] = static_cast<uint8_t>(payload_size >> (8 * (7 - i)));
    }
    header.size = 10;
  }
  return header;
}

std::string CloseFrame(uint16_t code, absl::string_view reason) {
  constexpr size_t kMaxReason = kMaxControlPayload - 2;
  if (reason.size() > kMaxReason) {
    size_t cut = kMaxReason;
    // Back to the first byte of the character that would be split.
    while (cut > 0 && (static_cast<uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  if (!ValidUtf8(reason)) reason = {};  // a peer would fail the connection over it (1007)
  std::string frame;
  frame.reserve(4 + reason.size());
  frame.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(Opcode::kClose)));
  frame.push_back(static_cast<char>(2 + reason.size()));
  frame.push_back(static_cast<char>(code >> 8));
  frame.push_back(static_cast<char>(code & 0xFF));
  frame.append(reason.data(), reason.size());
  return frame;
}

bool MessageReader::Feed(absl::string_view bytes, std::vector<Message>& out) {
  if (error_) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* const end = p + bytes.size();
  while (p < end) {
    if (closed_) return true;  // nothing a peer sends after its close frame counts
    if (!in_frame_) {
      if (!ReadHeaderByte(*p++)) return false;
      if (!in_frame_ || frame_remaining_ > 0) continue;
      // An empty frame is whole as soon as its header is.
      if (!FinishFrame(out)) return false;
      continue;
    }
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(frame_remaining_, static_cast<uint64_t>(end - p)));
    if ((opcode_ & 0x08) != 0 && control_ == nullptr) control_ = std::make_unique<std::string>();
    std::string& into = (opcode_ & 0x08) != 0 ? *control_ : message_;
    const size_t at = into.size();
    into.resize(at + n);
    char* dst = into.data() + at;
    for (size_t i = 0; i < n; ++i) {
      dst[i] = static_cast<char>(p[i] ^ mask_[(mask_offset_ + i) & 3]);
    }
    mask_offset_ = static_cast<uint8_t>((mask_offset_ + n) & 3);
    frame_remaining_ -= n;
    p += n;
    if (frame_remaining_ == 0 && !FinishFrame(out)) return false;
  }
  return true;
}

bool MessageReader::Fail(uint16_t close_code, std::string why) {
  error_ = std::make_unique<Error>(Error{close_code, std::move(why)});
  std::string().swap(message_);
  control_.reset();
  header_size_ = 0;
  in_frame_ = false;
  return false;
}

bool MessageReader::ReadHeaderByte(uint8_t byte) {
  header_[header_size_++] = byte;
  if (header_size_ == 1) {
    if ((byte & 0x70) != 0) return Fail(kCloseProtocolError, "RSV bits set without an extension");
    const uint8_t opcode = byte & 0x0F;
    const bool fin = (byte & 0x80) != 0;
    switch (opcode) {
      case 0x0:
        if (!message_open_) return Fail(kCloseProtocolError, "continuation with no message open");
        break;
      case 0x1:
      case 0x2:
        if (message_open_) {
          return Fail(kCloseProtocolError, "new data frame inside a fragmented message");
        }
        break;
      case 0x8:
      case 0x9:
      case 0xA:
        if (!fin) return Fail(kCloseProtocolError, "fragmented control frame");
        break;
      default:
        return Fail(kCloseProtocolError, "reserved opcode");
    }
    return true;
  }
  if (header_size_ == 2) {
    if ((byte & 0x80) == 0) return Fail(kCloseProtocolError, "unmasked client frame");
    if ((header_[0] & 0x08) != 0 && (byte & 0x7F) > kMaxControlPayload) {
      return Fail(kCloseProtocolError, "control frame over 125 bytes");
    }
  }
  const uint8_t length7 = header_[1] & 0x7F;
  const uint8_t length_bytes = length7 == 127 ? 8 : length7 == 126 ? 2 : 0;
  if (header_size_ == 3 && length_bytes == 8 && (byte & 0x80) != 0) {
    return Fail(kCloseProtocolError, "frame length over 63 bits");
  }
  if (header_size_ == 2 + length_bytes) {
    uint64_t length = length7;
    if (length_bytes > 0) {
      length = 0;
      for (uint8_t i = 0; i < length_bytes; ++i) length = (length << 8) | header_[2 + i];
      if ((length_bytes == 2 && length < 126) || (length_bytes == 8 && length <= 0xFFFF)) {
        return Fail(kCloseProtocolError, "frame length not in its shortest form");
      }
    }
    if ((header_[0] & 0x08) == 0 && length > max_message_bytes_ - message_.size()) {
      return Fail(kCloseTooBig, "message over " + std::to_string(max_message_bytes_) + " bytes");
    }
    frame_remaining_ = length;
  }
  if (header_size_ < 2 + length_bytes + 4) return true;

  // The whole header: the frame starts.
  std::copy(header_ + header_size_ - 4, header_ + header_size_, mask_);
  mask_offset_ = 0;
  opcode_ = header_[0] & 0x0F;
  fin_ = (header_[0] & 0x80) != 0;
  if (opcode_ == 0x1 || opcode_ == 0x2) {
    message_open_ = true;
    message_binary_ = opcode_ == 0x2;
  }
  header_size_ = 0;
  in_frame_ = true;
  return true;
}

bool MessageReader::FinishFrame(std::vector<Message>& out) {
  in_frame_ = false;
  if ((opcode_ & 0x08) == 0) {
    if (!fin_) return true;
    message_open_ = false;
    if (!message_binary_ && !ValidUtf8(message_)) {
      return Fail(kCloseBadData, "text message that is not UTF-8");
    }
    Message& message = out.emplace_back();
    message.kind = message_binary_ ? Message::Kind::kBinary : Message::Kind::kText;
    message.payload.swap(message_);  // message_ is left holding nothing
    return true;
  }
  Message message;
  // An empty control frame never made the buffer.
  std::unique_ptr<std::string> payload = std::move(control_);
  std::string empty;
  std::string& control = payload != nullptr ? *payload : empty;
  switch (static_cast<Opcode>(opcode_)) {
    case Opcode::kPing:
      message.kind = Message::Kind::kPing;
      message.payload.swap(control);
      break;
    case Opcode::kPong:
      message.kind = Message::Kind::kPong;
      message.payload.swap(control);
      break;
    default: {  // kClose, the only other control opcode ReadHeaderByte lets through
      message.kind = Message::Kind::kClose;
      if (control.size() == 1) return Fail(kCloseProtocolError, "close payload of one byte");
      if (control.size() >= 2) {
        const auto code = static_cast<uint16_t>((static_cast<uint8_t>(control[0]) << 8) |
                                                static_cast<uint8_t>(control[1]));
        if (!ValidCloseCode(code)) {
          return Fail(kCloseProtocolError, "close code " + std::to_string(code) + " not allowed");
        }
        if (!ValidUtf8(absl::string_view(control).substr(2))) {
          return Fail(kCloseBadData, "close reason that is not UTF-8");
        }
        message.close_code = code;
        message.payload.assign(control, 2);
      }
      // What the peer sends after its close is not read (RFC 6455 §5.5.1), and nothing it held
      // is kept.
      std::string().swap(message_);
      message_open_ = false;
      closed_ = true;
      break;
    }
  }
  out.push_back(std::move(message));
  return true;
}

}  // namespace shopcast::gateway::ws::wire
