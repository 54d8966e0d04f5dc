#include "media/ts_muxer.h"

#include <algorithm>
#include <cstring>

#include "media/ts_tables.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr int64_t kTsClockMask = (int64_t{1} << 33) - 1;

int64_t To90k(int64_t ns) {
  return ((ns / 100'000) * 9 + (ns % 100'000) * 9 / 100'000 + TsMuxer::kTimestampBase) &
         kTsClockMask;
}

void PutTimestamp(uint8_t prefix, int64_t t, std::vector<uint8_t>& out) {
  out.push_back(static_cast<uint8_t>((prefix << 4) | ((t >> 29) & 0x0E) | 1));
  out.push_back(static_cast<uint8_t>(t >> 22));
  out.push_back(static_cast<uint8_t>(((t >> 14) & 0xFE) | 1));
  out.push_back(static_cast<uint8_t>(t >> 7));
  out.push_back(static_cast<uint8_t>(((t << 1) & 0xFE) | 1));
}

// One PSI section (table id … CRC) in one packet.
void WriteSection(uint16_t pid, uint8_t& cc, const std::vector<uint8_t>& section,
                  std::vector<uint8_t>& out) {
  const size_t at = out.size();
  out.resize(at + kTsPacketSize, 0xFF);
  uint8_t* p = out.data() + at;
  p[0] = 0x47;
  p[1] = static_cast<uint8_t>(0x40 | ((pid >> 8) & 0x1F));
  p[2] = static_cast<uint8_t>(pid);
  p[3] = static_cast<uint8_t>(0x10 | (cc & 0x0F));
  cc = static_cast<uint8_t>((cc + 1) & 0x0F);
  p[4] = 0;  // pointer_field
  std::memcpy(p + 5, section.data(), section.size());
  const uint32_t crc = Crc32Mpeg2(section);
  p[5 + section.size()] = static_cast<uint8_t>(crc >> 24);
  p[6 + section.size()] = static_cast<uint8_t>(crc >> 16);
  p[7 + section.size()] = static_cast<uint8_t>(crc >> 8);
  p[8 + section.size()] = static_cast<uint8_t>(crc);
}

}  // namespace

uint32_t Crc32Mpeg2(std::span<const uint8_t> bytes) {
  uint32_t crc = 0xFFFFFFFF;
  for (uint8_t b : bytes) {
    crc ^= static_cast<uint32_t>(b) << 24;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
  }
  return crc;
}

void TsMuxer::SetTracks(bool video, bool audio) {
  if (video == video_ && audio == audio_) return;
  video_ = video;
  audio_ = audio;
  pmt_version_ = static_cast<uint8_t>((pmt_version_ + 1) & 0x1F);
}

void TsMuxer::WriteTables(std::vector<uint8_t>& out) {
  // PAT: program 1 → the PMT.
  std::vector<uint8_t> pat = {0x00,
                              0xB0,
                              13,
                              0x00,
                              0x01,
                              0xC1,
                              0x00,
                              0x00,
                              0x00,
                              0x01,
                              static_cast<uint8_t>(0xE0 | (kPmtPid >> 8)),
                              static_cast<uint8_t>(kPmtPid & 0xFF)};
  WriteSection(0, cc_pat_, pat, out);
  const uint16_t pcr_pid = video_ ? kVideoPid : kAudioPid;
  std::vector<uint8_t> pmt = {0x02,
                              0xB0,
                              0,
                              0x00,
                              0x01,
                              static_cast<uint8_t>(0xC1 | (pmt_version_ << 1)),
                              0x00,
                              0x00,
                              static_cast<uint8_t>(0xE0 | (pcr_pid >> 8)),
                              static_cast<uint8_t>(pcr_pid & 0xFF),
                              0xF0,
                              0x00};
  auto stream = [&pmt](uint8_t type, uint16_t pid) {
    pmt.insert(pmt.end(), {type, static_cast<uint8_t>(0xE0 | (pid >> 8)),
                           static_cast<uint8_t>(pid & 0xFF), 0xF0, 0x00});
  };
  if (video_) stream(0x1B, kVideoPid);
  if (audio_) stream(0x0F, kAudioPid);
  pmt[2] = static_cast<uint8_t>(pmt.size() - 3 + 4);  // After the length field, CRC included.
  WriteSection(kPmtPid, cc_pmt_, pmt, out);
}

void TsMuxer::WriteVideo(std::span<const uint8_t> annex_b, int64_t pts_ns, int64_t dts_ns,
                         bool keyframe, std::vector<uint8_t>& out) {
  WritePes(kVideoPid, 0xE0, annex_b, To90k(pts_ns), To90k(dts_ns), /*pcr=*/true, keyframe, out);
}

void TsMuxer::WriteAudio(std::span<const uint8_t> adts, int64_t pts_ns, std::vector<uint8_t>& out) {
  const int64_t t = To90k(pts_ns);
  WritePes(kAudioPid, 0xC0, adts, t, t, /*pcr=*/!video_, /*random_access=*/!video_, out);
}

void TsMuxer::WritePes(uint16_t pid, uint8_t stream_id, std::span<const uint8_t> payload,
                       int64_t pts, int64_t dts, bool pcr, bool random_access,
                       std::vector<uint8_t>& out) {
  std::vector<uint8_t>& pes = pes_;
  pes.clear();
  const bool with_dts = pts != dts;
  const size_t header = 3 + (with_dts ? 10 : 5);
  const size_t length = header + payload.size();
  // Video PES may leave its length unbounded (0); audio frames are always short enough.
  const size_t field = length <= 0xFFFF ? length : 0;
  pes.insert(pes.end(),
             {0x00, 0x00, 0x01, stream_id, static_cast<uint8_t>(field >> 8),
              static_cast<uint8_t>(field), 0x80, static_cast<uint8_t>(with_dts ? 0xC0 : 0x80),
              static_cast<uint8_t>(with_dts ? 10 : 5)});
  PutTimestamp(with_dts ? 0x3 : 0x2, pts, pes);
  if (with_dts) PutTimestamp(0x1, dts, pes);
  pes.insert(pes.end(), payload.begin(), payload.end());

  uint8_t& cc = pid == kVideoPid ? cc_video_ : cc_audio_;
  const int64_t pcr_base = std::max<int64_t>(dts - kPcrLead, 0);
  size_t pos = 0;
  bool first = true;
  const size_t packets = pes.size() / 184 + 2;
  out.reserve(out.size() + packets * kTsPacketSize);
  while (pos < pes.size()) {
    const size_t at = out.size();
    out.resize(at + kTsPacketSize);
    uint8_t* p = out.data() + at;
    p[0] = 0x47;
    p[1] = static_cast<uint8_t>((first ? 0x40 : 0x00) | ((pid >> 8) & 0x1F));
    p[2] = static_cast<uint8_t>(pid);
    // The adaptation field's body (after its length byte): flags, then the PCR.
    uint8_t af[7];
    size_t af_body = 0;
    if (first && (pcr || random_access)) {
      af[0] = static_cast<uint8_t>((random_access ? 0x40 : 0) | (pcr ? 0x10 : 0));
      af_body = 1;
      if (pcr) {
        const int64_t base = pcr_base;
        af[1] = static_cast<uint8_t>(base >> 25);
        af[2] = static_cast<uint8_t>(base >> 17);
        af[3] = static_cast<uint8_t>(base >> 9);
        af[4] = static_cast<uint8_t>(base >> 1);
        af[5] = static_cast<uint8_t>(((base & 1) << 7) | 0x7E);  // Extension 0.
        af[6] = 0;
        af_body = 7;
      }
    }
    bool has_af = af_body > 0;
    size_t af_length = af_body;  // The length byte's value.
    size_t space = 184 - (has_af ? 1 + af_length : 0);
    const size_t remaining = pes.size() - pos;
    if (remaining < space) {
      // Stuffing: the adaptation field grows until the payload ends the packet.
      has_af = true;
      af_length = 184 - remaining - 1;
      if (af_length > 0 && af_body == 0) {
        af[0] = 0x00;
        af_body = 1;
      }
      space = remaining;
    }
    p[3] = static_cast<uint8_t>((has_af ? 0x30 : 0x10) | (cc & 0x0F));
    cc = static_cast<uint8_t>((cc + 1) & 0x0F);
    size_t i = 4;
    if (has_af) {
      p[i++] = static_cast<uint8_t>(af_length);
      std::memcpy(p + i, af, af_body);
      std::memset(p + i + af_body, 0xFF, af_length - af_body);
      i += af_length;
    }
    std::memcpy(p + i, pes.data() + pos, space);
    pos += space;
    first = false;
  }
}

}  // namespace shopcast::video_ingest::media
