#pragma once

// The RTMP chunk stream: messages are cut into chunks, interleaved over chunk stream ids, with
// compressed headers (types 0-3) and 24-bit timestamps extended to 32 bits. The reader faces
// the network and is incremental (feed it whatever arrived) and bounded.

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "absl/status/status.h"

namespace shopcast::video_ingest::rtmp {

// Message type ids (RTMP spec 5.4, 7.1).
enum MessageType : uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

struct Message {
  uint32_t chunk_stream_id = 0;
  uint8_t type = 0;
  uint32_t stream_id = 0;
  uint32_t timestamp = 0;  // Absolute, in ms, modulo 2^32 (deltas already applied).
  std::vector<uint8_t> payload;
};

struct ChunkLimits {
  uint32_t max_chunk_size = 64 * 1024;           // A larger SetChunkSize is a protocol error.
  uint32_t max_message_bytes = 4 * 1024 * 1024;  // Declared message length cap.
  size_t max_chunk_streams = 64;                 // Chunk streams with state at once.
  size_t max_pending_bytes = 16 * 1024 * 1024;   // All partly assembled messages together.
};

class ChunkReader {
 public:
  explicit ChunkReader(ChunkLimits limits = {});

  // Parses as many chunks as `bytes` completes (keeping any partial chunk for the next call)
  // and appends each completed message to `out`. SetChunkSize and Abort from the peer are
  // applied here, at the exact chunk where they end, and also returned. After an error the
  // reader is unusable. Errors: INVALID_ARGUMENT with reason RTMP_CHUNK_SIZE_INVALID,
  // RTMP_MESSAGE_TOO_LARGE, RTMP_TOO_MANY_CHUNK_STREAMS, RTMP_HEADER_INVALID (a type 1-3 header
  // on a chunk stream with no previous header, or a type 0-2 header in the middle of a message),
  // RTMP_CONTROL_INVALID (an Abort shorter than 4 bytes) or RTMP_BUFFER_LIMIT.
  absl::Status Feed(std::span<const uint8_t> bytes, std::vector<Message>& out);

  // Replaces the limits for what is parsed from now on (a server raises them once a publisher
  // is admitted). Lowering max_pending_bytes below what is already held fails the next message.
  void set_limits(const ChunkLimits& limits) { limits_ = limits; }
  const ChunkLimits& limits() const { return limits_; }

  // Hands a handled message's payload back, so that a later message is assembled in it
  // instead of in a fresh allocation (a keyframe's ~100 KiB is mmap'ed and page-faulted anew
  // otherwise). At most kMaxSpares of up to kMaxSpareBytes each are kept.
  void Recycle(std::vector<uint8_t>&& payload);
  static constexpr size_t kMaxSpares = 4;
  static constexpr size_t kMaxSpareBytes = 1024 * 1024;

  // Bytes the reader has allocated right now: a partial chunk, the unfinished messages and the
  // recycled payloads.
  size_t buffered_bytes() const;

  // Total bytes fed so far (for acknowledgements), modulo 2^32 as the protocol counts them.
  uint32_t bytes_received() const { return bytes_received_; }
  // The peer's current chunk size (128 until it sends SetChunkSize).
  uint32_t chunk_size() const { return chunk_size_; }

 private:
  // What a chunk stream remembers from its previous headers (spec 5.3.1.2) and the message it
  // is assembling.
  struct StreamState {
    uint32_t timestamp = 0;        // Of the last message started.
    uint32_t timestamp_field = 0;  // Last timestamp/delta header value, reused by type 3.
    bool extended = false;         // Last type 0-2 header used the extended timestamp.
    uint32_t length = 0;
    uint8_t type = 0;
    uint32_t stream_id = 0;
    bool in_message = false;  // `partial` holds the start of a message of `length` bytes.
    std::vector<uint8_t> partial;
  };

  // Parses whole chunks from the front of `data`; returns how many bytes it consumed.
  absl::Status Parse(std::span<const uint8_t> data, size_t& consumed, std::vector<Message>& out);
  absl::Status Fail(absl::Status s);
  absl::Status ApplyControl(const Message& m);

  ChunkLimits limits_;
  uint32_t chunk_size_ = 128;
  uint32_t bytes_received_ = 0;
  size_t pending_bytes_ = 0;  // Declared lengths of the messages being assembled.
  std::map<uint32_t, StreamState> streams_;
  std::vector<uint8_t> buffer_;               // The start of a chunk that has not fully arrived.
  std::vector<std::vector<uint8_t>> spares_;  // Recycled payloads, empty, capacity kept.
  absl::Status error_;
};

class ChunkWriter {
 public:
  // Our outgoing chunk size (announce it first with a SetChunkSize message, sent while the
  // size is still the default 128). Clamped to 1..0x7FFFFFFF.
  void set_chunk_size(uint32_t size);
  uint32_t chunk_size() const { return chunk_size_; }

  // Appends `m` to `out` as a type-0 chunk followed by type-3 continuation chunks.
  // `m.chunk_stream_id` must be in 2..65599 and the payload under 2^24 bytes.
  void Write(const Message& m, std::vector<uint8_t>& out) const;

 private:
  uint32_t chunk_size_ = 128;
};

}  // namespace shopcast::video_ingest::rtmp
