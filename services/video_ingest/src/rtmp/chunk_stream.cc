#include "rtmp/chunk_stream.h"

#include <algorithm>
#include <utility>

#include "rtmp/byte_order.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

constexpr uint32_t kExtendedTimestamp = 0xFFFFFF;
constexpr uint32_t kMinChunkStreamId = 2;
constexpr uint32_t kMaxChunkStreamId = 65599;  // 64 + 0xFFFF, the 3-byte basic header's reach.
constexpr uint32_t kMaxChunkSize = 0x7FFFFFFF;
constexpr size_t kInitialReserve = 64 * 1024;
// Message header length by chunk type (spec 5.3.1.2).
constexpr size_t kMessageHeaderSize[4] = {11, 7, 3, 0};

absl::Status Invalid(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, reason, message);
}

void PutBasicHeader(uint8_t fmt, uint32_t csid, std::vector<uint8_t>& out) {
  const auto tag = static_cast<uint8_t>(fmt << 6);
  if (csid < 64) {
    out.push_back(static_cast<uint8_t>(tag | csid));
  } else if (csid < 64 + 256) {
    out.push_back(tag);
    out.push_back(static_cast<uint8_t>(csid - 64));
  } else {
    out.push_back(tag | 1);
    out.push_back(static_cast<uint8_t>((csid - 64) & 0xFF));
    out.push_back(static_cast<uint8_t>((csid - 64) >> 8));
  }
}

}  // namespace

ChunkReader::ChunkReader(ChunkLimits limits) : limits_(limits) {}

absl::Status ChunkReader::Fail(absl::Status s) {
  error_ = s;
  return s;
}

size_t ChunkReader::buffered_bytes() const {
  // Capacities: what is allocated, not just what is filled.
  size_t n = buffer_.capacity();
  for (const auto& [csid, st] : streams_) n += st.partial.capacity();
  for (const std::vector<uint8_t>& spare : spares_) n += spare.capacity();
  return n;
}

void ChunkReader::Recycle(std::vector<uint8_t>&& payload) {
  if (spares_.size() >= kMaxSpares || payload.capacity() == 0 ||
      payload.capacity() > kMaxSpareBytes) {
    return;
  }
  payload.clear();
  spares_.push_back(std::move(payload));
}

absl::Status ChunkReader::Feed(std::span<const uint8_t> bytes, std::vector<Message>& out) {
  if (!error_.ok()) return error_;
  // The protocol counts bytes modulo 2^32 (acknowledgement sequence numbers wrap).
  bytes_received_ += static_cast<uint32_t>(bytes.size());
  size_t consumed = 0;
  if (buffer_.empty()) {
    // The common case: parse straight from the caller's bytes, keep only an incomplete tail.
    RETURN_IF_ERROR(Parse(bytes, consumed, out));
    buffer_.assign(bytes.begin() + static_cast<std::ptrdiff_t>(consumed), bytes.end());
  } else {
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    RETURN_IF_ERROR(Parse(buffer_, consumed, out));
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed));
  }
  return absl::OkStatus();
}

absl::Status ChunkReader::Parse(std::span<const uint8_t> data, size_t& consumed,
                                std::vector<Message>& out) {
  consumed = 0;
  // Each iteration reads one chunk, and changes no state until the whole chunk is there: an
  // incomplete chunk is simply parsed again when more bytes arrive.
  while (consumed < data.size()) {
    const std::span<const uint8_t> d = data.subspan(consumed);
    const uint8_t fmt = d[0] >> 6;
    uint32_t csid = d[0] & 0x3F;
    size_t pos = 1;
    if (csid == 0) {
      if (d.size() < 2) return absl::OkStatus();
      csid = 64 + uint32_t{d[1]};
      pos = 2;
    } else if (csid == 1) {
      if (d.size() < 3) return absl::OkStatus();
      csid = 64 + uint32_t{d[1]} + (uint32_t{d[2]} << 8);
      pos = 3;
    }

    auto it = streams_.find(csid);
    StreamState* prev = it == streams_.end() ? nullptr : &it->second;
    if (prev == nullptr && fmt != 0) {
      return Fail(Invalid("RTMP_HEADER_INVALID", "compressed header on a new chunk stream"));
    }
    if (prev != nullptr && prev->in_message && fmt != 3) {
      return Fail(Invalid("RTMP_HEADER_INVALID", "new message header inside a message"));
    }
    if (prev == nullptr && streams_.size() >= limits_.max_chunk_streams) {
      return Fail(Invalid("RTMP_TOO_MANY_CHUNK_STREAMS", "too many chunk streams"));
    }

    if (d.size() - pos < kMessageHeaderSize[fmt]) return absl::OkStatus();
    const uint8_t* h = d.data() + pos;
    uint32_t field = prev != nullptr ? prev->timestamp_field : 0;
    uint32_t length = prev != nullptr ? prev->length : 0;
    uint8_t type = prev != nullptr ? prev->type : 0;
    uint32_t stream_id = prev != nullptr ? prev->stream_id : 0;
    if (fmt <= 2) field = ReadU24(h);
    if (fmt <= 1) {
      length = ReadU24(h + 3);
      type = h[6];
    }
    if (fmt == 0) stream_id = ReadU32Le(h + 7);
    pos += kMessageHeaderSize[fmt];

    // A type 3 chunk carries the extended field whenever the header it inherits from did
    // (spec 5.3.1.3), also when it continues a message.
    const bool extended = fmt == 3 ? prev->extended : field == kExtendedTimestamp;
    if (extended) {
      if (d.size() - pos < 4) return absl::OkStatus();
      // Only a chunk that starts a message uses the value; continuations repeat it.
      field = ReadU32(d.data() + pos);
      pos += 4;
    }

    const bool continuing = fmt == 3 && prev->in_message;
    uint32_t timestamp = 0;
    if (!continuing) {
      if (length > limits_.max_message_bytes) {
        return Fail(Invalid("RTMP_MESSAGE_TOO_LARGE", "message length over the limit"));
      }
      if (pending_bytes_ + length > limits_.max_pending_bytes) {
        return Fail(Invalid("RTMP_BUFFER_LIMIT", "too many bytes in unfinished messages"));
      }
      // Type 0 carries the absolute time; 1 and 2 a delta; 3 reuses the last header's value as
      // a delta (for a type 0 that is its timestamp, as ffmpeg reads and writes it). All modulo
      // 2^32, so a wrapping clock keeps counting.
      timestamp = fmt == 0 ? field : prev->timestamp + field;
    }
    const size_t have = continuing ? prev->partial.size() : 0;
    const size_t take = std::min<size_t>(length - have, chunk_size_);
    if (d.size() - pos < take) return absl::OkStatus();

    // The chunk is complete: commit it.
    StreamState& st = prev != nullptr ? *prev : streams_[csid];
    if (!continuing) {
      st.timestamp = timestamp;
      st.timestamp_field = field;
      if (fmt != 3) st.extended = extended;
      st.length = length;
      st.type = type;
      st.stream_id = stream_id;
      st.in_message = true;
      if (!spares_.empty()) {
        st.partial = std::move(spares_.back());
        spares_.pop_back();
      }
      st.partial.clear();
      // Memory follows the bytes that arrive, not what a header claims.
      st.partial.reserve(std::min<size_t>(length, kInitialReserve));
      pending_bytes_ += length;
    }
    st.partial.insert(st.partial.end(), d.begin() + static_cast<std::ptrdiff_t>(pos),
                      d.begin() + static_cast<std::ptrdiff_t>(pos + take));
    consumed += pos + take;
    if (st.partial.size() < st.length) continue;

    Message m{csid, st.type, st.stream_id, st.timestamp, std::move(st.partial)};
    st.partial = {};
    st.in_message = false;
    pending_bytes_ -= st.length;
    // Applied before the next chunk is read: a new chunk size counts from the very next chunk.
    RETURN_IF_ERROR(ApplyControl(m));
    out.push_back(std::move(m));
  }
  return absl::OkStatus();
}

absl::Status ChunkReader::ApplyControl(const Message& m) {
  if (m.type == kSetChunkSize) {
    if (m.payload.size() < 4) {
      return Fail(Invalid("RTMP_CHUNK_SIZE_INVALID", "short SetChunkSize"));
    }
    const uint32_t size = ReadU32(m.payload.data());
    // Zero, the reserved top bit, or more than we allow.
    if (size == 0 || size > kMaxChunkSize || size > limits_.max_chunk_size) {
      return Fail(Invalid("RTMP_CHUNK_SIZE_INVALID", "chunk size out of range"));
    }
    chunk_size_ = size;
  } else if (m.type == kAbort) {
    if (m.payload.size() < 4) return Fail(Invalid("RTMP_CONTROL_INVALID", "short Abort"));
    auto it = streams_.find(ReadU32(m.payload.data()));
    if (it != streams_.end() && it->second.in_message) {
      pending_bytes_ -= it->second.length;
      it->second.partial = {};
      it->second.in_message = false;
    }
  }
  return absl::OkStatus();
}

void ChunkWriter::set_chunk_size(uint32_t size) {
  chunk_size_ = std::clamp<uint32_t>(size, 1, kMaxChunkSize);
}

void ChunkWriter::Write(const Message& m, std::vector<uint8_t>& out) const {
  const uint32_t csid = std::clamp(m.chunk_stream_id, kMinChunkStreamId, kMaxChunkStreamId);
  const bool extended = m.timestamp >= kExtendedTimestamp;
  const size_t length = m.payload.size();
  size_t offset = 0;
  bool first = true;
  do {
    PutBasicHeader(first ? 0 : 3, csid, out);
    if (first) {
      PutU24(extended ? kExtendedTimestamp : m.timestamp, out);
      PutU24(static_cast<uint32_t>(length), out);
      out.push_back(m.type);
      PutU32Le(m.stream_id, out);
    }
    if (extended) PutU32(m.timestamp, out);
    const size_t take = std::min<size_t>(chunk_size_, length - offset);
    out.insert(out.end(), m.payload.begin() + static_cast<std::ptrdiff_t>(offset),
               m.payload.begin() + static_cast<std::ptrdiff_t>(offset + take));
    offset += take;
    first = false;
  } while (offset < length);
}

}  // namespace shopcast::video_ingest::rtmp
