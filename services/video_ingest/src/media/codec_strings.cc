#include "media/codec_strings.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace shopcast::video_ingest::media {
namespace {

constexpr uint8_t kNalTypeSps = 7;

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
