#pragma once

// A minimal RTMP publisher for tests that must send what real encoders cannot (codecs ffmpeg
// will not put in FLV, partial messages): the handshake and the command flow done by hand over a
// blocking socket to 127.0.0.1, with the server's replies parsed by our own chunk reader.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "rtmp/chunk_stream.h"

namespace shopcast::video_ingest::rtmp::testing {

// The info object of an onStatus the server sent.
struct StatusReply {
  std::string level, code, description;
};

class RawPublisher {
 public:
  explicit RawPublisher(uint16_t port);  // Throws std::runtime_error if it cannot connect.
  ~RawPublisher();
  RawPublisher(const RawPublisher&) = delete;
  RawPublisher& operator=(const RawPublisher&) = delete;

  // Handshake, connect to `app`, createStream, publish `key`; the onStatus the publish got
  // (nullopt if the server closed or did not answer within `timeout`).
  std::optional<StatusReply> Publish(const std::string& app, const std::string& key,
                                     std::chrono::milliseconds timeout);
  // Sends one audio (8), video (9) or data (18) message on the published stream; false once the
  // connection is gone.
  bool SendTag(uint8_t type, uint32_t timestamp, const std::vector<uint8_t>& payload);
  // The next onStatus from the server; nullopt on close or after `timeout`.
  std::optional<StatusReply> NextStatus(std::chrono::milliseconds timeout);
  // Reads (and drops) until the server closes; false if still open after `timeout`.
  bool WaitForClose(std::chrono::milliseconds timeout);

 private:
  bool Send(const std::vector<uint8_t>& bytes);
  bool SendMessage(const Message& m);
  // Reads what arrives within `timeout` into messages_; false on close, error or timeout.
  bool ReadSome(std::chrono::milliseconds timeout);

  int fd_ = -1;
  uint32_t stream_id_ = 1;
  ChunkReader reader_;
  ChunkWriter writer_;
  std::deque<Message> messages_;
};

}  // namespace shopcast::video_ingest::rtmp::testing
