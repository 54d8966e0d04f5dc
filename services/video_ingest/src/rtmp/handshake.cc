#include "rtmp/handshake.h"

#include "absl/random/random.h"
#include "shopcast/status/status.h"

namespace shopcast::video_ingest::rtmp {

absl::StatusOr<std::vector<uint8_t>> AnswerC0C1(std::span<const uint8_t> c0c1, uint32_t s1_time,
                                                absl::BitGenRef random) {
  if (c0c1.size() != 1 + kHandshakeSize) {
    return Error(absl::StatusCode::kInvalidArgument, "RTMP_HANDSHAKE_INVALID",
                 "C0+C1 must be 1537 bytes");
  }
  if (c0c1[0] != kRtmpVersion) {
    return Error(absl::StatusCode::kInvalidArgument, "RTMP_HANDSHAKE_INVALID",
                 "unsupported RTMP version");
  }
  std::vector<uint8_t> answer;
  answer.reserve(1 + 2 * kHandshakeSize);
  answer.push_back(kRtmpVersion);
  // S1: time, four zero bytes, random. The zero bytes also tell clients that try the digest
  // ("complex") handshake, such as ffmpeg, that we answer with the plain one.
  for (int shift = 24; shift >= 0; shift -= 8) {
    answer.push_back(static_cast<uint8_t>(s1_time >> shift));
  }
  answer.insert(answer.end(), 4, 0);
  uint64_t word = 0;
  for (size_t i = 8; i < kHandshakeSize; ++i) {
    if (i % 8 == 0) word = random();
    answer.push_back(static_cast<uint8_t>(word >> (8 * (i % 8))));
  }
  // S2 echoes C1 as received.
  answer.insert(answer.end(), c0c1.begin() + 1, c0c1.end());
  return answer;
}

absl::StatusOr<std::vector<uint8_t>> AnswerC0C1(std::span<const uint8_t> c0c1) {
  absl::BitGen random;
  return AnswerC0C1(c0c1, /*s1_time=*/0, random);
}

}  // namespace shopcast::video_ingest::rtmp
