#include "rtmp/rtmp_server_messages.h"

#include <utility>

namespace shopcast::video_ingest::rtmp {
namespace {

void AppendBigEndian32(uint32_t v, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

Message ControlMessage(uint8_t type, std::vector<uint8_t> payload) {
  Message m;
  m.chunk_stream_id = kControlChunkStream;
  m.type = type;
  m.stream_id = 0;
  m.timestamp = 0;
  m.payload = std::move(payload);
  return m;
}

Message UserControlMessage(uint16_t event, uint32_t data) {
  std::vector<uint8_t> payload = {static_cast<uint8_t>(event >> 8), static_cast<uint8_t>(event)};
  AppendBigEndian32(data, payload);
  return ControlMessage(kUserControl, std::move(payload));
}

}  // namespace

Message SetChunkSizeMessage(uint32_t size) {
  std::vector<uint8_t> payload;
  AppendBigEndian32(size & 0x7FFFFFFFu, payload);  // The top bit must be zero.
  return ControlMessage(kSetChunkSize, std::move(payload));
}

Message AcknowledgementMessage(uint32_t sequence_number) {
  std::vector<uint8_t> payload;
  AppendBigEndian32(sequence_number, payload);
  return ControlMessage(kAcknowledgement, std::move(payload));
}

Message WindowAckSizeMessage(uint32_t window) {
  std::vector<uint8_t> payload;
  AppendBigEndian32(window, payload);
  return ControlMessage(kWindowAckSize, std::move(payload));
}

Message SetPeerBandwidthMessage(uint32_t window) {
  std::vector<uint8_t> payload;
  AppendBigEndian32(window, payload);
  payload.push_back(2);  // Dynamic.
  return ControlMessage(kSetPeerBandwidth, std::move(payload));
}

Message StreamBeginMessage(uint32_t stream_id) {
  return UserControlMessage(kEventStreamBegin, stream_id);
}

Message PingResponseMessage(uint32_t timestamp) {
  return UserControlMessage(kEventPingResponse, timestamp);
}

Message CommandMessage(uint32_t chunk_stream_id, uint32_t stream_id,
                       const std::vector<Amf0Value>& values) {
  Message m;
  m.chunk_stream_id = chunk_stream_id;
  m.type = kCommandAmf0;
  m.stream_id = stream_id;
  for (const Amf0Value& v : values) EncodeAmf0(v, m.payload);
  return m;
}

Amf0Value AmfString(std::string s) { return Amf0Value{std::move(s)}; }
Amf0Value AmfNumber(double d) { return Amf0Value{d}; }
Amf0Value AmfNull() { return Amf0Value{Amf0Null{}}; }
Amf0Value AmfUndefined() { return Amf0Value{Amf0Undefined{}}; }
Amf0Value AmfObject(Amf0Properties properties) {
  return Amf0Value{Amf0Object{std::move(properties)}};
}

Amf0Value StatusInfo(std::string level, std::string code, std::string description) {
  Amf0Properties p;
  p.emplace_back("level", AmfString(std::move(level)));
  p.emplace_back("code", AmfString(std::move(code)));
  p.emplace_back("description", AmfString(std::move(description)));
  return AmfObject(std::move(p));
}

std::optional<uint32_t> ReadBigEndian32(std::span<const uint8_t> bytes, size_t offset) {
  if (bytes.size() < offset + 4) return std::nullopt;
  return (uint32_t{bytes[offset]} << 24) | (uint32_t{bytes[offset + 1]} << 16) |
         (uint32_t{bytes[offset + 2]} << 8) | uint32_t{bytes[offset + 3]};
}

std::optional<uint16_t> ReadBigEndian16(std::span<const uint8_t> bytes, size_t offset) {
  if (bytes.size() < offset + 2) return std::nullopt;
  return static_cast<uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

}  // namespace shopcast::video_ingest::rtmp
