#include "media/ts_muxer.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "media/ts_tables.h"

namespace shopcast::video_ingest::media {
namespace {

struct Packet {
  uint16_t pid = 0;
  bool start = false;
  int cc = 0;
  bool has_payload = false;
  std::vector<uint8_t> adaptation;  // Without its length byte.
  std::vector<uint8_t> payload;
};

std::vector<Packet> Split(const std::vector<uint8_t>& ts) {
  REQUIRE(ts.size() % kTsPacketSize == 0);
  std::vector<Packet> out;
  for (size_t at = 0; at < ts.size(); at += kTsPacketSize) {
    const uint8_t* p = ts.data() + at;
    REQUIRE(p[0] == 0x47);
    Packet k;
    k.pid = static_cast<uint16_t>(((p[1] & 0x1F) << 8) | p[2]);
    k.start = (p[1] & 0x40) != 0;
    k.cc = p[3] & 0x0F;
    k.has_payload = (p[3] & 0x10) != 0;
    size_t i = 4;
    if ((p[3] & 0x20) != 0) {
      const size_t len = p[4];
      REQUIRE(len <= 183);
      k.adaptation.assign(p + 5, p + 5 + len);
      i = 5 + len;
    }
    k.payload.assign(p + i, p + kTsPacketSize);
    out.push_back(std::move(k));
  }
  return out;
}

int64_t ReadTimestamp(const uint8_t* p) {
  return (static_cast<int64_t>(p[0] & 0x0E) << 29) | (static_cast<int64_t>(p[1]) << 22) |
         (static_cast<int64_t>(p[2] & 0xFE) << 14) | (static_cast<int64_t>(p[3]) << 7) |
         (p[4] >> 1);
}

int64_t Ticks(int64_t ns) { return ns * 9 / 100'000 + TsMuxer::kTimestampBase; }

TEST_CASE("CRC-32/MPEG-2 matches its check value", "[ts_muxer]") {
  const std::string check = "123456789";
  CHECK(Crc32Mpeg2(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(check.data()),
                                            check.size())) == 0x0376E6E7);
}

TEST_CASE("The PAT and PMT name the program's tracks, with valid CRCs", "[ts_muxer]") {
  for (const bool video : {true, false}) {
    INFO("video " << video);
    TsMuxer muxer(video, true);
    std::vector<uint8_t> out;
    muxer.WriteTables(out);
    std::vector<Packet> packets = Split(out);
    REQUIRE(packets.size() == 2);
    CHECK(packets[0].pid == 0);
    CHECK(packets[1].pid == TsMuxer::kPmtPid);
    CHECK(PmtPidFromPat(std::span<const uint8_t>(out.data(), kTsPacketSize)) == TsMuxer::kPmtPid);
    for (const Packet& k : packets) {
      REQUIRE(k.start);
      const uint8_t* section = k.payload.data() + 1;  // After the pointer field.
      const size_t length = 3 + (((section[1] & 0x0F) << 8) | section[2]);
      // The CRC over a section including its CRC is zero.
      CHECK(Crc32Mpeg2(std::span<const uint8_t>(section, length)) == 0);
    }
    const uint8_t* pmt = packets[1].payload.data() + 1;
    const uint16_t pcr_pid = static_cast<uint16_t>(((pmt[8] & 0x1F) << 8) | pmt[9]);
    CHECK(pcr_pid == (video ? TsMuxer::kVideoPid : TsMuxer::kAudioPid));
    std::map<uint16_t, uint8_t> streams;
    const size_t length = 3 + (((pmt[1] & 0x0F) << 8) | pmt[2]);
    for (size_t i = 12; i + 5 <= length - 4; i += 5) {
      streams[static_cast<uint16_t>(((pmt[i + 1] & 0x1F) << 8) | pmt[i + 2])] = pmt[i];
    }
    std::map<uint16_t, uint8_t> want = {{TsMuxer::kAudioPid, 0x0F}};
    if (video) want[TsMuxer::kVideoPid] = 0x1B;
    CHECK(streams == want);
  }
}

TEST_CASE("A track list that changes makes a new PMT version", "[ts_muxer]") {
  TsMuxer muxer(false, false);
  auto pmt_of = [&muxer](std::vector<uint8_t>& out) {
    out.clear();
    muxer.WriteTables(out);
    return Split(out)[1].payload;
  };
  std::vector<uint8_t> out;
  muxer.SetTracks(true, false);  // Video only: the announced audio never came.
  std::vector<uint8_t> pmt = pmt_of(out);
  CHECK(((pmt[1 + 5] >> 1) & 0x1F) == 1);
  CHECK((3 + (((pmt[1 + 1] & 0x0F) << 8) | pmt[1 + 2])) == 12 + 5 + 4);  // One stream.
  CHECK(pmt[1 + 12] == 0x1B);
  muxer.SetTracks(true, false);  // Unchanged: same version.
  CHECK(((pmt_of(out)[1 + 5] >> 1) & 0x1F) == 1);
  muxer.SetTracks(true, true);
  pmt = pmt_of(out);
  CHECK(((pmt[1 + 5] >> 1) & 0x1F) == 2);
  CHECK((3 + (((pmt[1 + 1] & 0x0F) << 8) | pmt[1 + 2])) == 12 + 10 + 4);
}

TEST_CASE("A video access unit becomes one PES: timestamps, PCR, random access, counters",
          "[ts_muxer]") {
  TsMuxer muxer(true, true);
  std::vector<uint8_t> au(1000);
  for (size_t i = 0; i < au.size(); ++i) au[i] = static_cast<uint8_t>(i);
  std::vector<uint8_t> out;
  const int64_t pts = 1'066'666'667;
  const int64_t dts = 1'000'000'000;
  muxer.WriteVideo(au, pts, dts, /*keyframe=*/true, out);
  muxer.WriteVideo(au, pts + 33'333'333, dts + 33'333'333, /*keyframe=*/false, out);
  std::vector<Packet> packets = Split(out);
  std::vector<uint8_t> first_pes;
  int expected_cc = 0;
  int starts = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    const Packet& k = packets[i];
    CHECK(k.pid == TsMuxer::kVideoPid);
    CHECK(k.cc == expected_cc);
    expected_cc = (expected_cc + 1) & 0x0F;
    if (k.start) {
      ++starts;
      REQUIRE(k.adaptation.size() >= 7);
      CHECK((k.adaptation[0] & 0x10) != 0);                     // PCR
      CHECK(((k.adaptation[0] & 0x40) != 0) == (starts == 1));  // Random access: keyframe only.
      const int64_t base = (static_cast<int64_t>(k.adaptation[1]) << 25) | (k.adaptation[2] << 17) |
                           (k.adaptation[3] << 9) | (k.adaptation[4] << 1) | (k.adaptation[5] >> 7);
      if (starts == 1) CHECK(base == Ticks(dts) - TsMuxer::kPcrLead);
    }
    if (starts == 1) first_pes.insert(first_pes.end(), k.payload.begin(), k.payload.end());
  }
  CHECK(starts == 2);
  REQUIRE(first_pes.size() >= 19 + au.size());
  CHECK(first_pes[0] == 0);
  CHECK(first_pes[1] == 0);
  CHECK(first_pes[2] == 1);
  CHECK(first_pes[3] == 0xE0);
  CHECK(((first_pes[4] << 8) | first_pes[5]) == 3 + 10 + 1000);
  CHECK(first_pes[7] == 0xC0);  // PTS and DTS.
  CHECK(ReadTimestamp(&first_pes[9]) == Ticks(pts));
  CHECK(ReadTimestamp(&first_pes[14]) == Ticks(dts));
  CHECK(std::vector<uint8_t>(first_pes.begin() + 19, first_pes.end()) == au);  // Stuffing in the
                                                                               // adaptation field.
}

TEST_CASE("A short AAC frame fills one packet through adaptation stuffing", "[ts_muxer]") {
  for (const bool video : {true, false}) {
    TsMuxer muxer(video, true);
    std::vector<uint8_t> frame(20, 0x5A);
    std::vector<uint8_t> out;
    muxer.WriteAudio(frame, 500'000'000, out);
    std::vector<Packet> packets = Split(out);
    REQUIRE(packets.size() == 1);
    const Packet& k = packets[0];
    CHECK(k.pid == TsMuxer::kAudioPid);
    CHECK(k.start);
    // Audio carries the PCR only when there is no video.
    CHECK((!k.adaptation.empty() && (k.adaptation[0] & 0x10) != 0) == !video);
    REQUIRE(k.payload.size() == 14 + frame.size());
    CHECK(k.payload[3] == 0xC0);
    CHECK(((k.payload[4] << 8) | k.payload[5]) == 3 + 5 + 20);
    CHECK(k.payload[7] == 0x80);  // PTS only.
    CHECK(ReadTimestamp(&k.payload[9]) == Ticks(500'000'000));
    CHECK(std::vector<uint8_t>(k.payload.begin() + 14, k.payload.end()) == frame);
  }
}

TEST_CASE("Payloads of every length fill whole packets", "[ts_muxer]") {
  TsMuxer muxer(true, true);
  for (size_t n = 1; n < 700; n += 7) {
    std::vector<uint8_t> au(n, 0x11);
    std::vector<uint8_t> out;
    muxer.WriteVideo(au, 0, 0, n % 2 == 0, out);
    std::vector<Packet> packets = Split(out);
    size_t carried = 0;
    for (const Packet& k : packets) carried += k.payload.size();
    CHECK(carried == 14 + n);  // PES header (PTS only) + the unit, nothing more.
  }
}

}  // namespace
}  // namespace shopcast::video_ingest::media
