// libFuzzer target for the RTMP chunk stream reader. The input is what a publisher sends after
// the handshake. Checks: no crash or overread; the same messages and the same error whether the
// bytes arrive at once, in pieces or one at a time; AMF0 commands and data that decode survive a
// round trip; every message can be turned into an FLV tag; the codec check on the first media
// never crashes and, once it refuses, keeps refusing with the same status.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "rtmp/chunk_stream.h"
#include "rtmp/codec_check.h"
#include "rtmp/flv.h"

namespace {

using shopcast::video_ingest::rtmp::ChunkLimits;
using shopcast::video_ingest::rtmp::ChunkReader;
using shopcast::video_ingest::rtmp::Message;

struct Outcome {
  absl::Status status;
  std::vector<Message> messages;
  uint32_t bytes_received = 0;
};

// Limits small enough that inputs of a few kilobytes can reach every one of them.
constexpr ChunkLimits kLimits{.max_chunk_size = 8192,
                              .max_message_bytes = 64 * 1024,
                              .max_chunk_streams = 8,
                              .max_pending_bytes = 128 * 1024};

// Feeds `input` in pieces whose lengths come from `next_piece` (called until all is fed).
template <typename NextPiece>
Outcome Run(std::span<const uint8_t> input, NextPiece next_piece) {
  ChunkReader reader(kLimits);
  Outcome o;
  size_t pos = 0;
  do {
    const size_t n = std::min(next_piece(), input.size() - pos);
    o.status = reader.Feed(input.subspan(pos, n), o.messages);
    pos += n;
  } while (o.status.ok() && pos < input.size());
  o.bytes_received = reader.bytes_received();
  return o;
}

void CheckSame(const Outcome& a, const Outcome& b) {
  FUZZ_CHECK(a.status == b.status);
  FUZZ_CHECK(a.messages.size() == b.messages.size());
  for (size_t i = 0; i < a.messages.size(); ++i) {
    const Message& x = a.messages[i];
    const Message& y = b.messages[i];
    FUZZ_CHECK(x.chunk_stream_id == y.chunk_stream_id && x.type == y.type &&
               x.stream_id == y.stream_id && x.timestamp == y.timestamp && x.payload == y.payload);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  const Outcome whole = Run(input, [&] { return input.size(); });
  if (whole.status.ok()) FUZZ_CHECK(whole.bytes_received == static_cast<uint32_t>(size));

  // Piece lengths from a hash of the input: deterministic for a replayed input, different
  // across inputs.
  uint64_t state = 1469598103934665603ull;
  for (uint8_t byte : input) state = (state ^ byte) * 1099511628211ull;
  CheckSame(whole, Run(input, [&] {
              state = state * 6364136223846793005ull + 1442695040888963407ull;
              return static_cast<size_t>(1 + (state >> 33) % 300);
            }));
  if (size <= 2048) CheckSame(whole, Run(input, [] { return size_t{1}; }));

  shopcast::video_ingest::rtmp::FlvWriter flv;
  shopcast::video_ingest::rtmp::CodecCheck codecs;
  absl::Status refusal;
  std::vector<uint8_t> tags;
  for (const Message& m : whole.messages) {
    const absl::Status verdict = codecs.Inspect(m);
    if (!refusal.ok()) FUZZ_CHECK(verdict == refusal);
    if (!verdict.ok()) refusal = verdict;
    if (m.type == shopcast::video_ingest::rtmp::kCommandAmf0 ||
        m.type == shopcast::video_ingest::rtmp::kDataAmf0) {
      shopcast::video_ingest::rtmp::fuzz::CheckAmf0RoundTrip(m.payload);
    }
    FUZZ_CHECK(flv.WriteTag(m, tags).ok());  // Payloads are capped far below 2^24 here.
  }
  return 0;
}
