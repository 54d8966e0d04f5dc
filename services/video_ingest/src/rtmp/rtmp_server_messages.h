#pragma once

// The messages the RTMP server sends: protocol control, user control and AMF0 command replies.
// Pure functions on plain types, so the session code reads as the protocol flow it implements.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rtmp/amf0.h"
#include "rtmp/chunk_stream.h"

namespace shopcast::video_ingest::rtmp {

// Chunk stream ids we send on: control messages, NetConnection commands, NetStream status.
inline constexpr uint32_t kControlChunkStream = 2;
inline constexpr uint32_t kCommandChunkStream = 3;
inline constexpr uint32_t kStatusChunkStream = 5;

// User control event types (RTMP spec 7.1.7).
inline constexpr uint16_t kEventStreamBegin = 0;
inline constexpr uint16_t kEventPingRequest = 6;
inline constexpr uint16_t kEventPingResponse = 7;

// Protocol control messages (type 1, 3, 5, 6) on chunk stream 2, message stream 0.
Message SetChunkSizeMessage(uint32_t size);
Message AcknowledgementMessage(uint32_t sequence_number);
Message WindowAckSizeMessage(uint32_t window);
// Limit type 2 (dynamic), as media servers commonly send.
Message SetPeerBandwidthMessage(uint32_t window);

// User control messages (type 4).
Message StreamBeginMessage(uint32_t stream_id);
Message PingResponseMessage(uint32_t timestamp);

// An AMF0 command message (type 20) carrying `values` in order.
Message CommandMessage(uint32_t chunk_stream_id, uint32_t stream_id,
                       const std::vector<Amf0Value>& values);

// AMF0 value builders.
Amf0Value AmfString(std::string s);
Amf0Value AmfNumber(double d);
Amf0Value AmfNull();
Amf0Value AmfUndefined();
Amf0Value AmfObject(Amf0Properties properties);
// {level, code, description}: the info object of onStatus/_result/_error replies.
Amf0Value StatusInfo(std::string level, std::string code, std::string description);

// The big-endian uint32 at `offset` of `bytes`, or nullopt if too short.
std::optional<uint32_t> ReadBigEndian32(std::span<const uint8_t> bytes, size_t offset);
// The big-endian uint16 at `offset` of `bytes`, or nullopt if too short.
std::optional<uint16_t> ReadBigEndian16(std::span<const uint8_t> bytes, size_t offset);

}  // namespace shopcast::video_ingest::rtmp
