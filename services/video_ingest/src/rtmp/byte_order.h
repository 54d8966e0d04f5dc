#pragma once

// Fixed-width integers as RTMP, AMF0 and FLV put them on the wire: big-endian, except the
// message stream id of chunk headers (little-endian). One copy for the protocol files.

#include <cstdint>
#include <vector>

namespace shopcast::video_ingest::rtmp {

inline uint32_t ReadU24(const uint8_t* p) {
  return uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
}
inline uint32_t ReadU32(const uint8_t* p) { return uint32_t{p[0]} << 24 | ReadU24(p + 1); }
inline uint32_t ReadU32Le(const uint8_t* p) {
  return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0];
}

// Appends the `bytes` low-order bytes of `v`, most significant first.
inline void PutBigEndian(uint64_t v, int bytes, std::vector<uint8_t>& out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<uint8_t>(v >> shift));
  }
}
inline void PutU16(uint16_t v, std::vector<uint8_t>& out) { PutBigEndian(v, 2, out); }
inline void PutU24(uint32_t v, std::vector<uint8_t>& out) { PutBigEndian(v, 3, out); }
inline void PutU32(uint32_t v, std::vector<uint8_t>& out) { PutBigEndian(v, 4, out); }
inline void PutU32Le(uint32_t v, std::vector<uint8_t>& out) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

}  // namespace shopcast::video_ingest::rtmp
