#include "media/ts_tables.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr uint8_t kSyncByte = 0x47;

uint16_t PidOf(std::span<const uint8_t> packet) {
  return static_cast<uint16_t>(((packet[1] & 0x1f) << 8) | packet[2]);
}

}  // namespace

std::optional<uint16_t> PmtPidFromPat(std::span<const uint8_t> packet) {
  if (packet.size() != kTsPacketSize || packet[0] != kSyncByte || PidOf(packet) != 0) {
    return std::nullopt;
  }
  const bool unit_start = (packet[1] & 0x40) != 0;
  const uint8_t adaptation = (packet[3] >> 4) & 0x3;
  if (!unit_start || (adaptation & 0x1) == 0) return std::nullopt;
  size_t pos = 4;
  if (adaptation == 0x3) pos += 1 + packet[4];
  if (pos >= packet.size()) return std::nullopt;
  pos += 1 + packet[pos];  // pointer_field
  // table_id, section_length (2), transport_stream_id (2), version (1), section numbers (2).
  if (pos + 8 > packet.size() || packet[pos] != 0x00) return std::nullopt;
  const size_t section_length = ((packet[pos + 1] & 0x0f) << 8) | packet[pos + 2];
  const size_t end = std::min(packet.size(), pos + 3 + section_length - 4);  // Minus CRC.
  for (size_t p = pos + 8; p + 4 <= end; p += 4) {
    const uint16_t program = static_cast<uint16_t>((packet[p] << 8) | packet[p + 1]);
    if (program == 0) continue;  // The network PID, not a program.
    return static_cast<uint16_t>(((packet[p + 2] & 0x1f) << 8) | packet[p + 3]);
  }
  return std::nullopt;
}

void TsTables::Observe(std::span<const uint8_t> bytes) {
  for (size_t pos = 0; pos + kTsPacketSize <= bytes.size(); pos += kTsPacketSize) {
    const std::span<const uint8_t> packet = bytes.subspan(pos, kTsPacketSize);
    if (packet[0] != kSyncByte) continue;
    const uint16_t pid = PidOf(packet);
    if (pid == 0) {
      if (std::optional<uint16_t> pmt = PmtPidFromPat(packet)) {
        pmt_pid_ = pmt;
        pat_.assign(reinterpret_cast<const char*>(packet.data()), packet.size());
      }
    } else if (pmt_pid_ && pid == *pmt_pid_ && (packet[1] & 0x40) != 0) {
      pmt_.assign(reinterpret_cast<const char*>(packet.data()), packet.size());
    }
  }
}

std::string TsTables::Packets() const {
  if (pat_.empty() || pmt_.empty()) return "";
  return pat_ + pmt_;
}

}  // namespace shopcast::video_ingest::media
