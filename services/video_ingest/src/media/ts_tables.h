#pragma once

// Keeps the latest PAT and PMT packets of an MPEG transport stream, so a segment that does not
// start with them (an audio-only segment cut between two AAC frames) can be made to: a player
// decodes nothing of a segment before its PAT and PMT. Pure; unit-tested.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace shopcast::video_ingest::media {

inline constexpr size_t kTsPacketSize = 188;

class TsTables {
 public:
  // Looks at whole 188-byte packets of `bytes` (a trailing partial packet is ignored).
  void Observe(std::span<const uint8_t> bytes);

  // The latest PAT packet followed by the latest PMT packet, or empty until both were seen.
  std::string Packets() const;

 private:
  std::string pat_;
  std::string pmt_;
  std::optional<uint16_t> pmt_pid_;
};

// The PMT PID of the first program in the PAT carried by `packet`, if it is a PAT packet that
// starts its section.
std::optional<uint16_t> PmtPidFromPat(std::span<const uint8_t> packet);

}  // namespace shopcast::video_ingest::media
