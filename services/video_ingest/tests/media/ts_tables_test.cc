#include "media/ts_tables.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

namespace shopcast::video_ingest::media {
namespace {

std::vector<uint8_t> Packet(uint16_t pid, bool unit_start, std::vector<uint8_t> payload) {
  std::vector<uint8_t> p(kTsPacketSize, 0xff);
  p[0] = 0x47;
  p[1] = static_cast<uint8_t>((unit_start ? 0x40 : 0) | (pid >> 8));
  p[2] = static_cast<uint8_t>(pid);
  p[3] = 0x10;  // Payload only, continuity counter 0.
  std::copy(payload.begin(), payload.end(), p.begin() + 4);
  return p;
}

// A PAT (as mpegtsmux writes it) naming program 1 at PMT PID 0x20.
std::vector<uint8_t> Pat() {
  return Packet(0, true,
                {0x00, /*table*/ 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00,
                 /*program 1*/ 0x00, 0x01, 0xe0, 0x20, /*crc*/ 0, 0, 0, 0});
}

TEST_CASE("PmtPidFromPat reads the first program's PMT PID", "[ts]") {
  CHECK(PmtPidFromPat(Pat()) == 0x20);
  CHECK_FALSE(PmtPidFromPat(Packet(0x20, true, {0x00, 0x02})).has_value());
  CHECK_FALSE(PmtPidFromPat(Packet(0, false, {0x00})).has_value());
}

TEST_CASE("TsTables keeps the latest PAT and PMT packets", "[ts]") {
  TsTables tables;
  CHECK(tables.Packets().empty());
  std::vector<uint8_t> stream = Pat();
  const std::vector<uint8_t> audio = Packet(0x41, true, {0x00, 0x00, 0x01, 0xc0});
  stream.insert(stream.end(), audio.begin(), audio.end());
  tables.Observe(stream);
  CHECK(tables.Packets().empty());  // No PMT yet.
  const std::vector<uint8_t> pmt = Packet(0x20, true, {0x00, 0x02, 0xb0, 0x12});
  tables.Observe(pmt);
  const std::string packets = tables.Packets();
  REQUIRE(packets.size() == 2 * kTsPacketSize);
  CHECK(std::vector<uint8_t>(packets.begin(), packets.begin() + kTsPacketSize) == Pat());
  CHECK(std::vector<uint8_t>(packets.begin() + kTsPacketSize, packets.end()) == pmt);
}

}  // namespace
}  // namespace shopcast::video_ingest::media
