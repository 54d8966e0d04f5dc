#include "rtmp/chunk_stream.h"

#include <catch2/catch.hpp>
#include <random>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

// Hand-built chunks, so the reader is checked against the spec rather than against our writer.
void BasicHeader(Bytes& b, uint8_t fmt, uint32_t csid) {
  if (csid < 64) {
    b.push_back(static_cast<uint8_t>(fmt << 6 | csid));
  } else if (csid < 320) {
    b.push_back(static_cast<uint8_t>(fmt << 6));
    b.push_back(static_cast<uint8_t>(csid - 64));
  } else {
    b.push_back(static_cast<uint8_t>(fmt << 6 | 1));
    b.push_back(static_cast<uint8_t>((csid - 64) & 0xFF));
    b.push_back(static_cast<uint8_t>((csid - 64) >> 8));
  }
}
void U24(Bytes& b, uint32_t v) {
  b.insert(b.end(), {uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
}
void U32(Bytes& b, uint32_t v) {
  b.push_back(uint8_t(v >> 24));
  U24(b, v);
}
void Payload(Bytes& b, size_t n, uint8_t fill) { b.insert(b.end(), n, fill); }

void Type0(Bytes& b, uint32_t csid, uint32_t ts, uint32_t len, uint8_t type, uint32_t msid) {
  BasicHeader(b, 0, csid);
  U24(b, ts >= 0xFFFFFF ? 0xFFFFFF : ts);
  U24(b, len);
  b.push_back(type);
  b.insert(b.end(), {uint8_t(msid), uint8_t(msid >> 8), uint8_t(msid >> 16), uint8_t(msid >> 24)});
  if (ts >= 0xFFFFFF) U32(b, ts);
}
void Type1(Bytes& b, uint32_t csid, uint32_t delta, uint32_t len, uint8_t type) {
  BasicHeader(b, 1, csid);
  U24(b, delta >= 0xFFFFFF ? 0xFFFFFF : delta);
  U24(b, len);
  b.push_back(type);
  if (delta >= 0xFFFFFF) U32(b, delta);
}
void Type2(Bytes& b, uint32_t csid, uint32_t delta) {
  BasicHeader(b, 2, csid);
  U24(b, delta >= 0xFFFFFF ? 0xFFFFFF : delta);
  if (delta >= 0xFFFFFF) U32(b, delta);
}
void SetChunkSize(Bytes& b, uint32_t size) {
  Type0(b, 2, 0, 4, kSetChunkSize, 0);
  U32(b, size);
}

struct Result {
  absl::Status status;
  std::vector<Message> messages;
};

Result FeedAll(const Bytes& bytes, ChunkLimits limits = {}) {
  ChunkReader reader(limits);
  Result r;
  r.status = reader.Feed(bytes, r.messages);
  return r;
}

// Feeds `bytes` in pieces ending at each of `cuts`, stopping at the first error.
Result FeedSplit(const Bytes& bytes, const std::vector<size_t>& cuts, ChunkLimits limits = {}) {
  ChunkReader reader(limits);
  Result r;
  size_t from = 0;
  for (size_t to : cuts) {
    r.status = reader.Feed(std::span(bytes).subspan(from, to - from), r.messages);
    from = to;
    if (!r.status.ok()) return r;
  }
  r.status = reader.Feed(std::span(bytes).subspan(from), r.messages);
  return r;
}

Result FeedBytewise(const Bytes& bytes) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
  return FeedSplit(bytes, cuts);
}

void CheckSame(const Result& a, const Result& b) {
  CHECK(a.status == b.status);
  REQUIRE(a.messages.size() == b.messages.size());
  for (size_t i = 0; i < a.messages.size(); ++i) {
    INFO("message " << i);
    CHECK(a.messages[i].chunk_stream_id == b.messages[i].chunk_stream_id);
    CHECK(a.messages[i].type == b.messages[i].type);
    CHECK(a.messages[i].stream_id == b.messages[i].stream_id);
    CHECK(a.messages[i].timestamp == b.messages[i].timestamp);
    CHECK(a.messages[i].payload == b.messages[i].payload);
  }
}

// A little of everything: a chunk size change, all header types, an extended timestamp,
// 2- and 3-byte basic headers, and two interleaved multi-chunk messages.
Bytes MixedStream() {
  Bytes b;
  Type0(b, 3, 0, 5, kCommandAmf0, 0);
  Payload(b, 5, 0xC0);
  SetChunkSize(b, 64);
  Type0(b, 4, 100, 150, kVideo, 1);  // 64 + 64 + 22 bytes.
  Payload(b, 64, 0x01);
  Type0(b, 70, 0x1000000, 70, kAudio, 1);  // Extended, interleaved on csid 70.
  Payload(b, 64, 0x02);
  BasicHeader(b, 3, 4);
  Payload(b, 64, 0x03);
  BasicHeader(b, 3, 70);
  U32(b, 0x1000000);
  Payload(b, 6, 0x04);
  BasicHeader(b, 3, 4);
  Payload(b, 22, 0x05);
  Type1(b, 4, 40, 3, kVideo);
  Payload(b, 3, 0x06);
  Type2(b, 4, 33);
  Payload(b, 3, 0x07);
  BasicHeader(b, 3, 4);  // A new message with the same delta.
  Payload(b, 3, 0x08);
  Type0(b, 1000, 5, 1, kDataAmf0, 1);
  Payload(b, 1, 0x09);
  return b;
}

}  // namespace

TEST_CASE("A type 0 chunk yields a message with every header field") {
  Bytes b;
  Type0(b, 5, 1234, 3, kVideo, 0x01020304);
  b.insert(b.end(), {7, 8, 9});
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 1);
  const Message& m = r.messages[0];
  CHECK(m.chunk_stream_id == 5);
  CHECK(m.type == kVideo);
  CHECK(m.stream_id == 0x01020304);  // Little-endian on the wire.
  CHECK(m.timestamp == 1234);
  CHECK(m.payload == Bytes{7, 8, 9});
}

TEST_CASE("Basic headers in 1-, 2- and 3-byte forms address chunk streams 2 to 65599") {
  for (uint32_t csid : {2u, 63u, 64u, 319u, 320u, 65599u}) {
    INFO("csid " << csid);
    Bytes b;
    Type0(b, csid, 1, 1, kAudio, 1);
    b.push_back(0xAA);
    Result r = FeedAll(b);
    REQUIRE(r.status.ok());
    REQUIRE(r.messages.size() == 1);
    CHECK(r.messages[0].chunk_stream_id == csid);
  }
}

TEST_CASE("Type 1, 2 and 3 headers inherit fields and accumulate timestamp deltas") {
  Bytes b;
  Type0(b, 6, 1000, 4, kVideo, 1);
  Payload(b, 4, 1);
  Type1(b, 6, 40, 2, kAudio);  // New length and type, same stream id.
  Payload(b, 2, 2);
  Type2(b, 6, 33);  // Same length and type.
  Payload(b, 2, 3);
  BasicHeader(b, 3, 6);  // Everything the same, including the delta.
  Payload(b, 2, 4);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 4);
  CHECK(r.messages[0].timestamp == 1000);
  CHECK(r.messages[1].timestamp == 1040);
  CHECK(r.messages[1].type == kAudio);
  CHECK(r.messages[1].stream_id == 1);
  CHECK(r.messages[2].timestamp == 1073);
  CHECK(r.messages[2].payload == Bytes{3, 3});
  CHECK(r.messages[3].timestamp == 1106);
  CHECK(r.messages[3].type == kAudio);
  CHECK(r.messages[3].payload == Bytes{4, 4});
}

TEST_CASE("A type 3 header starting a message after a type 0 reuses its timestamp as delta") {
  // As ffmpeg writes it: repeating messages whose spacing equals the first timestamp.
  Bytes b;
  Type0(b, 6, 20, 1, kAudio, 1);
  Payload(b, 1, 1);
  BasicHeader(b, 3, 6);
  Payload(b, 1, 2);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[1].timestamp == 40);
}

TEST_CASE("A message longer than the chunk size is reassembled from type 3 chunks") {
  Bytes b;
  Type0(b, 4, 0, 300, kVideo, 1);
  Payload(b, 128, 1);
  BasicHeader(b, 3, 4);
  Payload(b, 128, 2);
  BasicHeader(b, 3, 4);
  Payload(b, 44, 3);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 1);
  REQUIRE(r.messages[0].payload.size() == 300);
  CHECK(r.messages[0].payload[127] == 1);
  CHECK(r.messages[0].payload[128] == 2);
  CHECK(r.messages[0].payload[299] == 3);
}

TEST_CASE("Extended timestamps on type 0 repeat on its type 3 continuation chunks") {
  Bytes b;
  Type0(b, 4, 0x12345678, 200, kVideo, 1);
  Payload(b, 128, 1);
  BasicHeader(b, 3, 4);
  U32(b, 0x12345678);
  Payload(b, 72, 2);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0].timestamp == 0x12345678);
  CHECK(r.messages[0].payload.size() == 200);
  CHECK(r.messages[0].payload[128] == 2);  // The 4 extended bytes were not taken as payload.
}

TEST_CASE("A type 3 chunk starting a message after an extended delta reads a new delta") {
  Bytes b;
  Type0(b, 4, 10, 1, kVideo, 1);
  Payload(b, 1, 1);
  Type2(b, 4, 0x01000000);
  Payload(b, 1, 2);
  BasicHeader(b, 3, 4);
  U32(b, 0x01000000);
  Payload(b, 1, 3);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 3);
  CHECK(r.messages[1].timestamp == 10 + 0x01000000);
  CHECK(r.messages[2].timestamp == 10 + 2 * 0x01000000);
}

TEST_CASE("Timestamps wrap around 2^32 and keep counting") {
  Bytes b;
  Type0(b, 4, 0xFFFFFFF0, 1, kAudio, 1);
  Payload(b, 1, 1);
  Type2(b, 4, 0x20);
  Payload(b, 1, 2);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].timestamp == 0xFFFFFFF0);
  CHECK(r.messages[1].timestamp == 0x10);
}

TEST_CASE("A chunk size change applies from the next chunk, within the same Feed buffer") {
  Bytes b;
  SetChunkSize(b, 4096);
  Type0(b, 4, 0, 1000, kVideo, 1);
  Payload(b, 1000, 7);  // One chunk at the new size.
  Type0(b, 5, 0, 4, kAudio, 1);
  Payload(b, 4, 8);
  ChunkReader reader;
  std::vector<Message> out;
  REQUIRE(reader.Feed(b, out).ok());
  REQUIRE(out.size() == 3);
  CHECK(out[0].type == kSetChunkSize);  // Control messages are returned as well.
  CHECK(out[1].payload == Bytes(1000, 7));
  CHECK(out[2].payload == Bytes(4, 8));
  CHECK(reader.chunk_size() == 4096);
  CHECK(reader.bytes_received() == b.size());
}

TEST_CASE("Recycled payloads carry the next messages, a bounded number of them") {
  Bytes b;
  SetChunkSize(b, 4096);
  Type0(b, 4, 0, 1000, kVideo, 1);
  Payload(b, 1000, 7);
  ChunkReader reader;
  std::vector<Message> out;
  REQUIRE(reader.Feed(b, out).ok());
  REQUIRE(out.size() == 2);
  const uint8_t* storage = out[1].payload.data();
  const size_t before = reader.buffered_bytes();
  reader.Recycle(std::move(out[1].payload));
  CHECK(reader.buffered_bytes() == before + 1000);  // Spares count as held memory.
  out.clear();

  // The next message is assembled in the recycled storage, its bytes its own.
  Bytes next;
  Type0(next, 4, 40, 600, kVideo, 1);
  Payload(next, 600, 9);
  REQUIRE(reader.Feed(next, out).ok());
  REQUIRE(out.size() == 1);
  CHECK(out[0].payload == Bytes(600, 9));
  CHECK(out[0].payload.data() == storage);

  // Bounded: no more than kMaxSpares, none over kMaxSpareBytes, no empty ones.
  const size_t held = reader.buffered_bytes();
  for (size_t i = 0; i < ChunkReader::kMaxSpares + 3; ++i) reader.Recycle(Bytes(100));
  reader.Recycle(Bytes(ChunkReader::kMaxSpareBytes + 1));
  reader.Recycle(Bytes());
  CHECK(reader.buffered_bytes() == held + ChunkReader::kMaxSpares * 100);
}

TEST_CASE("A chunk size change in the middle of another chunk stream's message") {
  Bytes b;
  Type0(b, 4, 0, 200, kVideo, 1);
  Payload(b, 128, 1);  // 72 bytes left, at chunk size 128.
  SetChunkSize(b, 16);
  for (int i = 0; i < 4; ++i) {
    BasicHeader(b, 3, 4);
    Payload(b, 16, 2);
  }
  BasicHeader(b, 3, 4);
  Payload(b, 8, 3);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 2);
  REQUIRE(r.messages[1].payload.size() == 200);
  CHECK(r.messages[1].payload[199] == 3);
}

TEST_CASE("Interleaved messages on different chunk streams are assembled separately") {
  Bytes b;
  Type0(b, 4, 0, 256, kVideo, 1);
  Payload(b, 128, 1);
  Type0(b, 6, 5, 130, kAudio, 1);
  Payload(b, 128, 2);
  BasicHeader(b, 3, 6);
  Payload(b, 2, 3);
  BasicHeader(b, 3, 4);
  Payload(b, 128, 4);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].chunk_stream_id == 6);  // Finished first.
  CHECK(r.messages[0].payload.size() == 130);
  CHECK(r.messages[0].payload[129] == 3);
  CHECK(r.messages[1].chunk_stream_id == 4);
  CHECK(r.messages[1].payload[255] == 4);
}

TEST_CASE("Abort discards the partial message of its chunk stream only") {
  Bytes b;
  Type0(b, 4, 0, 256, kVideo, 1);
  Payload(b, 128, 1);
  Type0(b, 6, 0, 256, kVideo, 1);
  Payload(b, 128, 5);
  Type0(b, 2, 0, 4, kAbort, 0);
  U32(b, 4);
  Type0(b, 4, 50, 2, kAudio, 1);  // Allowed now: nothing in progress on csid 4.
  Payload(b, 2, 2);
  BasicHeader(b, 3, 6);
  Payload(b, 128, 6);
  Result r = FeedAll(b);
  REQUIRE(r.status.ok());
  REQUIRE(r.messages.size() == 3);
  CHECK(r.messages[0].type == kAbort);
  CHECK(r.messages[1].payload == Bytes{2, 2});
  CHECK(r.messages[1].timestamp == 50);
  CHECK(r.messages[2].chunk_stream_id == 6);
  CHECK(r.messages[2].payload.size() == 256);
}

TEST_CASE("Abort frees the aborted message's share of the pending byte limit") {
  ChunkLimits limits;
  limits.max_pending_bytes = 300;
  Bytes b;
  Type0(b, 4, 0, 256, kVideo, 1);
  Payload(b, 128, 1);
  Type0(b, 2, 0, 4, kAbort, 0);
  U32(b, 4);
  Type0(b, 6, 0, 256, kVideo, 1);
  Payload(b, 128, 1);
  CHECK(FeedAll(b, limits).status.ok());
}

TEST_CASE("Feeding one byte at a time or at any split point gives the same messages") {
  const Bytes b = MixedStream();
  const Result whole = FeedAll(b);
  REQUIRE(whole.status.ok());
  REQUIRE(whole.messages.size() == 8);
  CHECK(whole.messages[2].timestamp == 0x1000000);
  CHECK(whole.messages[2].chunk_stream_id == 70);
  CHECK(whole.messages[3].payload.size() == 150);
  CHECK(whole.messages[6].timestamp == 100 + 40 + 33 + 33);
  CHECK(whole.messages[7].chunk_stream_id == 1000);
  CheckSame(whole, FeedBytewise(b));
  for (size_t cut = 0; cut <= b.size(); ++cut) {
    INFO("split at " << cut);
    CheckSame(whole, FeedSplit(b, {cut}));
  }
}

TEST_CASE("Chunk sizes of zero, with the top bit, over the limit or truncated are refused") {
  for (uint32_t size : {0u, 0x80000000u, 0x80000100u, 64u * 1024 + 1}) {
    INFO("size " << size);
    Bytes b;
    SetChunkSize(b, size);
    CHECK(ReasonOf(FeedAll(b).status) == "RTMP_CHUNK_SIZE_INVALID");
  }
  Bytes short_message;
  Type0(short_message, 2, 0, 2, kSetChunkSize, 0);
  Payload(short_message, 2, 1);
  CHECK(ReasonOf(FeedAll(short_message).status) == "RTMP_CHUNK_SIZE_INVALID");
  Bytes largest;
  SetChunkSize(largest, 64 * 1024);
  CHECK(FeedAll(largest).status.ok());
}

TEST_CASE("A declared message length over the limit is refused at its header") {
  Bytes b;
  Type0(b, 4, 0, 0xFFFFFF, kVideo, 1);  // 16 MiB declared, nothing sent.
  Result r = FeedAll(b);
  CHECK(r.status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(r.status) == "RTMP_MESSAGE_TOO_LARGE");
  Bytes type1;
  Type0(type1, 4, 0, 1, kVideo, 1);
  Payload(type1, 1, 0);
  Type1(type1, 4, 0, 5000, kVideo);
  CHECK(ReasonOf(FeedAll(type1, ChunkLimits{.max_message_bytes = 4096}).status) ==
        "RTMP_MESSAGE_TOO_LARGE");
}

TEST_CASE("Too many chunk streams are refused") {
  Bytes b;
  for (uint32_t csid = 3; csid < 3 + 65; ++csid) {
    Type0(b, csid, 0, 1, kAudio, 1);
    Payload(b, 1, 0);
  }
  Result r = FeedAll(b);
  CHECK(ReasonOf(r.status) == "RTMP_TOO_MANY_CHUNK_STREAMS");
  CHECK(r.messages.size() == 64);  // Those before the limit were delivered.
}

TEST_CASE("Compressed headers without a previous header and new headers mid-message") {
  for (uint8_t fmt : {1, 2, 3}) {
    INFO("type " << int{fmt});
    Bytes b;
    BasicHeader(b, fmt, 9);
    Payload(b, 11, 0);
    CHECK(ReasonOf(FeedAll(b).status) == "RTMP_HEADER_INVALID");
  }
  Bytes b;
  Type0(b, 4, 0, 300, kVideo, 1);
  Payload(b, 128, 1);
  Type0(b, 4, 0, 10, kVideo, 1);
  CHECK(ReasonOf(FeedAll(b).status) == "RTMP_HEADER_INVALID");
  Bytes abort;
  Type0(abort, 2, 0, 2, kAbort, 0);
  Payload(abort, 2, 0);
  CHECK(ReasonOf(FeedAll(abort).status) == "RTMP_CONTROL_INVALID");
}

TEST_CASE("Unfinished messages together may not exceed the pending byte limit") {
  Bytes b;
  for (uint32_t csid = 3; csid < 8; ++csid) {
    Type0(b, csid, 0, 4 * 1024 * 1024, kVideo, 1);
    Payload(b, 128, 0);
  }
  Result r = FeedAll(b);
  CHECK(ReasonOf(r.status) == "RTMP_BUFFER_LIMIT");
}

TEST_CASE("After an error the reader refuses everything") {
  ChunkReader reader;
  std::vector<Message> out;
  Bytes bad;
  BasicHeader(bad, 1, 9);
  Payload(bad, 7, 0);
  CHECK_FALSE(reader.Feed(bad, out).ok());
  Bytes good;
  Type0(good, 4, 0, 1, kAudio, 1);
  Payload(good, 1, 0);
  CHECK(ReasonOf(reader.Feed(good, out)) == "RTMP_HEADER_INVALID");
  CHECK(out.empty());
}

TEST_CASE("The writer emits a type 0 chunk then type 3 chunks, byte for byte") {
  ChunkWriter writer;
  writer.set_chunk_size(4);
  Message m{.chunk_stream_id = 3,
            .type = kCommandAmf0,
            .stream_id = 1,
            .timestamp = 0x0102,
            .payload = {1, 2, 3, 4, 5, 6}};
  Bytes out;
  writer.Write(m, out);
  CHECK(out == Bytes{0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x06, 20, 1, 0, 0, 0,  // Type 0.
                     1, 2, 3, 4,                                                // Chunk 1.
                     0xC3, 5, 6});                                              // Type 3.

  Bytes extended;
  m.chunk_stream_id = 320;
  m.timestamp = 0xFFFFFF;
  writer.Write(m, extended);
  CHECK(extended == Bytes{0x01, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x06, 20, 1,
                          0,    0,    0,    0x00, 0xFF, 0xFF, 0xFF, 1,    2,    3,  4,  // Chunk 1.
                          0xC1, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 5,    6});

  Bytes empty;
  writer.Write(Message{.chunk_stream_id = 64, .type = kVideo, .payload = {}}, empty);
  CHECK(empty == Bytes{0x00, 0x00, 0, 0, 0, 0, 0, 0, kVideo, 0, 0, 0, 0});
}

TEST_CASE("Random messages survive writer to reader at random chunk sizes and splits") {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    ChunkWriter writer;
    Bytes wire;
    std::vector<Message> sent;
    const auto chunk_size = static_cast<uint32_t>(1 + rng() % 5000);
    Message scs{.chunk_stream_id = 2,
                .type = kSetChunkSize,
                .stream_id = 0,
                .timestamp = 0,
                .payload = {uint8_t(chunk_size >> 24), uint8_t(chunk_size >> 16),
                            uint8_t(chunk_size >> 8), uint8_t(chunk_size)}};
    writer.Write(scs, wire);
    sent.push_back(scs);
    writer.set_chunk_size(chunk_size);
    for (int i = 0; i < 30; ++i) {
      Message m;
      const uint32_t csids[] = {3, 4, 63, 64, 300, 320, 65599};
      m.chunk_stream_id = csids[rng() % 7];
      m.type = static_cast<uint8_t>(rng() % 2 == 0 ? kVideo : kAudio);
      m.stream_id = rng() % 3;
      m.timestamp = rng() % 4 == 0 ? 0xFFFFFF + rng() % 1000 : rng();
      m.payload.resize(rng() % 20000);
      for (auto& byte : m.payload) byte = static_cast<uint8_t>(rng());
      writer.Write(m, wire);
      sent.push_back(m);
    }
    std::vector<size_t> cuts;
    for (size_t at = rng() % 3000; at < wire.size(); at += 1 + rng() % 3000) cuts.push_back(at);
    CheckSame(Result{absl::OkStatus(), sent}, FeedSplit(wire, cuts));
  }
}

}  // namespace shopcast::video_ingest::rtmp
