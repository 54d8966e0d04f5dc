// libFuzzer target for the RTMP chunk stream reader. The input is what a publisher sends after
// the handshake. Checks: no crash or overread; the same messages and the same error whether the
// bytes arrive at once, in pieces or one at a time; AMF0 commands and data that decode survive a
// round trip; every message can be turned into an FLV tag; the codec check on the first media
// never crashes and, once it refuses, keeps refusing with the same status, whether HEVC is
// refused or accepted; every video header parses within its message or is refused, and an HEVC
// configuration record is checked without reading past it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "rtmp/chunk_stream.h"
#include "rtmp/codec_check.h"
#include "rtmp/flv.h"
#include "rtmp/video_tag.h"

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

// As Run, handing every message's payload back to the reader once it is copied out, as the
// RTMP session does after handling a read's messages (ChunkReader::Recycle).
template <typename NextPiece>
Outcome RunRecycling(std::span<const uint8_t> input, NextPiece next_piece) {
  ChunkReader reader(kLimits);
  Outcome o;
  std::vector<Message> batch;
  size_t pos = 0;
  do {
    const size_t n = std::min(next_piece(), input.size() - pos);
    batch.clear();
    o.status = reader.Feed(input.subspan(pos, n), batch);
    for (Message& m : batch) {
      o.messages.push_back(m);
      reader.Recycle(std::move(m.payload));
    }
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
  CheckSame(whole, RunRecycling(input, [&] {
              state = state * 6364136223846793005ull + 1442695040888963407ull;
              return static_cast<size_t>(1 + (state >> 33) % 300);
            }));

  using shopcast::video_ingest::rtmp::CodecCheck;
  using shopcast::video_ingest::rtmp::CodecCheckOptions;
  shopcast::video_ingest::rtmp::FlvWriter flv;
  CodecCheck codecs[] = {CodecCheck(CodecCheckOptions{CodecCheckOptions::Hevc::kRefused}),
                         CodecCheck(CodecCheckOptions{CodecCheckOptions::Hevc::kSrtOnly}),
                         CodecCheck(CodecCheckOptions{CodecCheckOptions::Hevc::kAccepted})};
  absl::Status refusals[3];
  std::vector<uint8_t> tags;
  for (const Message& m : whole.messages) {
    for (int i = 0; i < 3; ++i) {
      const absl::Status verdict = codecs[i].Inspect(m);
      if (!refusals[i].ok()) FUZZ_CHECK(verdict == refusals[i]);
      if (!verdict.ok()) refusals[i] = verdict;
    }
    if (m.type == shopcast::video_ingest::rtmp::kVideo && !m.payload.empty()) {
      const auto header = shopcast::video_ingest::rtmp::ParseVideoTagHeader(m.payload);
      if (header.ok()) {
        FUZZ_CHECK(header->body_offset <= m.payload.size());
        const std::span<const uint8_t> body =
            std::span<const uint8_t>(m.payload).subspan(header->body_offset);
        (void)shopcast::video_ingest::rtmp::CheckHevcConfigurationRecord(body);
      }
    }
    if (m.type == shopcast::video_ingest::rtmp::kCommandAmf0 ||
        m.type == shopcast::video_ingest::rtmp::kDataAmf0) {
      shopcast::video_ingest::rtmp::fuzz::CheckAmf0RoundTrip(m.payload);
    }
    FUZZ_CHECK(flv.WriteTag(m, tags).ok());  // Payloads are capped far below 2^24 here.
  }
  return 0;
}
