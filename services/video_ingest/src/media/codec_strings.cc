#include "media/codec_strings.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr uint8_t kNalTypeSps = 7;
constexpr uint8_t kHevcNalTypeSps = 33;
// An HEVC SPS's RBSP up to the end of its general profile_tier_level: the NAL header (2 bytes),
// sps_video_parameter_set_id / max_sub_layers_minus1 / temporal_id_nesting (1), then 12 bytes.
constexpr size_t kHevcSpsPrefix = 2 + 1 + 12;

std::string AvcString(int profile_idc, int constraints, int level_idc) {
  return absl::StrFormat("avc1.%02x%02x%02x", profile_idc, constraints, level_idc);
}

}  // namespace

std::optional<std::string> AvcCodecFromAnnexB(std::span<const uint8_t> data) {
  // After a start code (00 00 01) comes the NAL header; an SPS starts with profile_idc, the
  // constraint flags byte and level_idc. Emulation prevention cannot touch those three bytes:
  // profile_idc is never zero.
  for (size_t i = 0; i + 6 < data.size(); ++i) {
    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) continue;
    if ((data[i + 3] & 0x1f) != kNalTypeSps) continue;
    if (data[i + 4] == 0) continue;
    return AvcString(data[i + 4], data[i + 5], data[i + 6]);
  }
  return std::nullopt;
}

std::string HevcCodecFromProfileTierLevel(std::span<const uint8_t, 12> ptl) {
  static constexpr const char* kSpaces[] = {"", "A", "B", "C"};
  const int profile_space = ptl[0] >> 6;
  const bool high_tier = (ptl[0] & 0x20) != 0;
  const int profile_idc = ptl[0] & 0x1f;
  const uint32_t compatibility = (uint32_t{ptl[1]} << 24) | (uint32_t{ptl[2]} << 16) |
                                 (uint32_t{ptl[3]} << 8) | uint32_t{ptl[4]};
  uint32_t reversed = 0;  // Flag j (bit 31 - j on the wire) becomes bit j.
  for (int bit = 0; bit < 32; ++bit) {
    if ((compatibility & (uint32_t{1} << bit)) != 0) reversed |= uint32_t{1} << (31 - bit);
  }
  std::string out = absl::StrFormat("hvc1.%s%d.%X.%c%d", kSpaces[profile_space], profile_idc,
                                    reversed, high_tier ? 'H' : 'L', ptl[11]);
  size_t constraint_bytes = 6;  // Trailing zero bytes are left out.
  while (constraint_bytes > 0 && ptl[4 + constraint_bytes] == 0) --constraint_bytes;
  for (size_t i = 0; i < constraint_bytes; ++i) absl::StrAppendFormat(&out, ".%X", ptl[5 + i]);
  return out;
}

std::optional<std::string> HevcCodecFromAnnexB(std::span<const uint8_t> data) {
  for (size_t i = 0; i + 3 < data.size(); ++i) {
    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) continue;
    if (((data[i + 3] >> 1) & 0x3f) != kHevcNalTypeSps) continue;
    // The RBSP's first bytes: an emulation prevention byte (00 00 03) is dropped; a start code
    // (00 00 01, or 00 00 00) ends the NAL unit.
    uint8_t rbsp[kHevcSpsPrefix];
    size_t n = 0;
    int zeros = 0;
    for (size_t j = i + 3; j < data.size() && n < kHevcSpsPrefix; ++j) {
      const uint8_t b = data[j];
      if (zeros >= 2 && b <= 1) break;
      if (zeros >= 2 && b == 3) {
        zeros = 0;
        continue;
      }
      zeros = b == 0 ? zeros + 1 : 0;
      rbsp[n++] = b;
    }
    if (n < kHevcSpsPrefix) return std::nullopt;  // Truncated: cannot say.
    return HevcCodecFromProfileTierLevel(std::span<const uint8_t, 12>(rbsp + 3, 12));
  }
  return std::nullopt;
}

std::optional<std::string> AvcCodecFromProfileLevel(std::string_view profile,
                                                    std::string_view level) {
  int profile_idc = 0;
  int constraints = 0;
  if (profile == "constrained-baseline") {
    profile_idc = 66;
    constraints = 0x40;
  } else if (profile == "baseline") {
    profile_idc = 66;
  } else if (profile == "main") {
    profile_idc = 77;
  } else if (profile == "high") {
    profile_idc = 100;
  } else {
    return std::nullopt;
  }
  // "3.1" → 31, "4" → 40, "1b" → 11 (the constraint_set3 form is ignored).
  int level_idc = 0;
  if (level.empty() || level[0] < '1' || level[0] > '6') return std::nullopt;
  level_idc = (level[0] - '0') * 10;
  if (level.size() >= 3 && level[1] == '.' && level[2] >= '0' && level[2] <= '9') {
    level_idc += level[2] - '0';
  } else if (level == "1b") {
    level_idc = 11;
  }
  return AvcString(profile_idc, constraints, level_idc);
}

int AacObjectTypeFromConfig(std::span<const uint8_t> config) {
  if (config.empty()) return 0;
  int type = config[0] >> 3;
  if (type == 31) {  // Escape: 6 more bits follow.
    if (config.size() < 2) return 0;
    type = 32 + (((config[0] & 0x07) << 3) | (config[1] >> 5));
  }
  return type;
}

int AacObjectTypeFromProfile(std::string_view profile) {
  if (profile == "main") return 1;
  if (profile == "lc") return 2;
  if (profile == "ssr") return 3;
  if (profile == "ltp") return 4;
  return 0;
}

std::string AacCodec(int audio_object_type) {
  return absl::StrCat("mp4a.40.", audio_object_type > 0 ? audio_object_type : 2);
}

}  // namespace shopcast::video_ingest::media
