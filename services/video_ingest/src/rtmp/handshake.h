#pragma once

// The RTMP handshake (spec section 5.2), server side: C0+C1 in, S0+S1+S2 out, C2 in. We answer
// with the plain handshake, which every publisher we support (OBS, ffmpeg, GStreamer rtmp2)
// accepts.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"

namespace shopcast::video_ingest::rtmp {

inline constexpr size_t kHandshakeSize = 1536;

inline constexpr uint8_t kRtmpVersion = 3;

// Validates C0 (version 3) and C1 and returns S0+S1+S2 (S2 echoes C1).
// INVALID_ARGUMENT/RTMP_HANDSHAKE_INVALID for another version or an input that is not exactly
// 1 + kHandshakeSize bytes.
absl::StatusOr<std::vector<uint8_t>> AnswerC0C1(std::span<const uint8_t> c0c1);

// As above with S1's time (our epoch for the chunks we send; 0 above) and its random bytes
// drawn from `random`, for tests.
absl::StatusOr<std::vector<uint8_t>> AnswerC0C1(std::span<const uint8_t> c0c1, uint32_t s1_time,
                                                absl::BitGenRef random);

}  // namespace shopcast::video_ingest::rtmp
