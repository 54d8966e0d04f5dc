#pragma once

// A minimal MPEG transport stream muxer (ISO/IEC 13818-1) for the native passthrough engine
// (native_packager.h): one program, H.264 (stream type 0x1B) and/or AAC in ADTS (0x0F), one PES
// per access unit or AAC frame, the PCR on the first packet of each PES of the PCR track
// (video, or audio when there is no video), the random access indicator on keyframes. What
// nginx-rtmp writes from RTMP messages, without GStreamer's per-packet buffers. PIDs are
// mpegtsmux's (PMT 0x20, video 0x41, audio 0x42), so a segment of either engine looks the same
// to a player. Pure: bytes in, bytes out; unit-tested with ffprobe.

#include <cstdint>
#include <span>
#include <vector>

namespace shopcast::video_ingest::media {

class TsMuxer {
 public:
  static constexpr uint16_t kPmtPid = 0x20;
  static constexpr uint16_t kVideoPid = 0x41;
  static constexpr uint16_t kAudioPid = 0x42;
  // Added to every timestamp (90 kHz ticks), so the PCR, which runs ahead of the decode times,
  // never goes below zero: 10 s.
  static constexpr int64_t kTimestampBase = 900'000;
  // How far the PCR runs ahead of a PES's decode time (nginx-rtmp's 0.7 s).
  static constexpr int64_t kPcrLead = 63'000;

  TsMuxer(bool video, bool audio) : video_(video), audio_(audio) {}

  // The tracks the PMT lists from the next WriteTables on (a new PMT version when they change):
  // only tracks whose media has started, as mpegtsmux lists only the pads it has.
  void SetTracks(bool video, bool audio);

  // Appends a PAT and a PMT (each one packet) to `out`.
  void WriteTables(std::vector<uint8_t>& out);
  // Appends one video access unit (Annex B, start codes) as a PES. Times in nanoseconds of the
  // session's timeline (never negative).
  void WriteVideo(std::span<const uint8_t> annex_b, int64_t pts_ns, int64_t dts_ns, bool keyframe,
                  std::vector<uint8_t>& out);
  // Appends one ADTS frame (header included) as a PES.
  void WriteAudio(std::span<const uint8_t> adts, int64_t pts_ns, std::vector<uint8_t>& out);

 private:
  void WritePes(uint16_t pid, uint8_t stream_id, std::span<const uint8_t> payload, int64_t pts,
                int64_t dts, bool pcr, bool random_access, std::vector<uint8_t>& out);

  bool video_;
  bool audio_;
  uint8_t pmt_version_ = 0;
  uint8_t cc_pat_ = 0;
  uint8_t cc_pmt_ = 0;
  uint8_t cc_video_ = 0;
  uint8_t cc_audio_ = 0;
  std::vector<uint8_t> pes_;  // Reused.
};

// CRC-32/MPEG-2 of `bytes` (PSI sections).
uint32_t Crc32Mpeg2(std::span<const uint8_t> bytes);

}  // namespace shopcast::video_ingest::media
