#include "media/flv_remux.h"

#include <cstddef>

#include "shopcast/status/status.h"

namespace shopcast::video_ingest::media {
namespace {

absl::Status Invalid(absl::string_view message) {
  return Error(absl::StatusCode::kInvalidArgument, "FLV_INVALID", message);
}

constexpr uint8_t kStartCode[] = {0x00, 0x00, 0x00, 0x01};
constexpr uint8_t kAccessUnitDelimiter[] = {0x00, 0x00, 0x00, 0x01, 0x09, 0xF0};

// Exp-Golomb bit reader over an RBSP (emulation prevention bytes already removed).
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  void Refuse() { ok_ = false; }  // A field out of its range: the whole read is invalid.
  uint32_t Bits(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | Bit();
    return v;
  }
  uint32_t Bit() {
    if (pos_ >= bytes_.size() * 8) {
      ok_ = false;
      return 0;
    }
    const uint32_t b = (bytes_[pos_ / 8] >> (7 - pos_ % 8)) & 1;
    ++pos_;
    return b;
  }
  uint32_t Ue() {
    int zeros = 0;
    while (ok_ && Bit() == 0) {
      if (++zeros > 31) {
        ok_ = false;
        return 0;
      }
    }
    if (zeros == 0) return 0;
    return ((1u << zeros) - 1) + Bits(zeros);
  }
  int32_t Se() {
    const uint32_t k = Ue();
    return (k & 1) != 0 ? static_cast<int32_t>((k + 1) / 2) : -static_cast<int32_t>(k / 2);
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::vector<uint8_t> Unescape(std::span<const uint8_t> nal) {
  std::vector<uint8_t> out;
  out.reserve(nal.size());
  int zeros = 0;
  for (uint8_t b : nal) {
    if (zeros >= 2 && b == 0x03) {
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

void SkipScalingList(BitReader& r, int size) {
  int last = 8;
  int next = 8;
  for (int j = 0; j < size && r.ok(); ++j) {
    if (next != 0) {
      const int32_t delta = r.Se();
      if (delta < -128 || delta > 127) {  // delta_scale's range (H.264 7.4.2.1.1.1).
        r.Refuse();
        return;
      }
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
}

constexpr int kAacRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                             22050, 16000, 12000, 11025, 8000,  7350};

}  // namespace

absl::StatusOr<AvcConfig> ParseAvcConfig(std::span<const uint8_t> avcc) {
  if (avcc.size() < 7 || avcc[0] != 1) return Invalid("AVC configuration record too short");
  AvcConfig config;
  config.nal_length_size = (avcc[4] & 0x03) + 1;
  if (config.nal_length_size == 3) return Invalid("AVC NAL length size 3");
  size_t pos = 5;
  for (int kind = 0; kind < 2; ++kind) {
    if (pos >= avcc.size()) return Invalid("AVC configuration record cut short");
    const int count = kind == 0 ? (avcc[pos] & 0x1F) : avcc[pos];
    ++pos;
    for (int i = 0; i < count; ++i) {
      if (pos + 2 > avcc.size()) return Invalid("AVC parameter set length cut short");
      const size_t len = (static_cast<size_t>(avcc[pos]) << 8) | avcc[pos + 1];
      pos += 2;
      if (len == 0 || pos + len > avcc.size()) return Invalid("AVC parameter set past the record");
      (kind == 0 ? config.sps : config.pps)
          .emplace_back(avcc.begin() + pos, avcc.begin() + pos + len);
      pos += len;
    }
  }
  if (config.sps.empty()) return Invalid("AVC configuration record without an SPS");
  return config;
}

absl::Status AppendAnnexB(const AvcConfig& config, std::span<const uint8_t> frame, bool keyframe,
                          std::vector<uint8_t>& out) {
  const size_t n = static_cast<size_t>(config.nal_length_size);
  // First pass: check every length, note whether the unit carries its own SPS.
  bool has_sps = false;
  size_t pos = 0;
  while (pos < frame.size()) {
    if (pos + n > frame.size()) return Invalid("NAL length cut short");
    size_t len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | frame[pos + i];
    pos += n;
    if (len == 0 || len > frame.size() - pos) return Invalid("NAL unit past the frame");
    if ((frame[pos] & 0x1F) == 7) has_sps = true;
    pos += len;
  }
  out.insert(out.end(), std::begin(kAccessUnitDelimiter), std::end(kAccessUnitDelimiter));
  if (keyframe && !has_sps) {
    for (const auto& sps : config.sps) {
      out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
      out.insert(out.end(), sps.begin(), sps.end());
    }
    for (const auto& pps : config.pps) {
      out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
      out.insert(out.end(), pps.begin(), pps.end());
    }
  }
  pos = 0;
  while (pos < frame.size()) {
    size_t len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | frame[pos + i];
    pos += n;
    if ((frame[pos] & 0x1F) != 9) {
      out.insert(out.end(), std::begin(kStartCode), std::end(kStartCode));
      out.insert(out.end(), frame.begin() + pos, frame.begin() + pos + len);
    }
    pos += len;
  }
  return absl::OkStatus();
}

std::optional<SpsFacts> ParseAvcSps(std::span<const uint8_t> sps) {
  if (sps.size() < 4 || (sps[0] & 0x1F) != 7) return std::nullopt;
  const std::vector<uint8_t> rbsp = Unescape(sps.subspan(1));
  BitReader r(rbsp);
  const uint32_t profile = r.Bits(8);
  r.Bits(16);  // Constraint flags, level.
  r.Ue();      // seq_parameter_set_id
  uint32_t chroma_format = 1;
  bool separate_planes = false;
  if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 ||
      profile == 83 || profile == 86 || profile == 118 || profile == 128 || profile == 138 ||
      profile == 139 || profile == 134 || profile == 135) {
    chroma_format = r.Ue();
    if (chroma_format > 3) return std::nullopt;
    if (chroma_format == 3) separate_planes = r.Bit() != 0;
    r.Ue();              // bit_depth_luma_minus8
    r.Ue();              // bit_depth_chroma_minus8
    r.Bit();             // qpprime_y_zero_transform_bypass_flag
    if (r.Bit() != 0) {  // seq_scaling_matrix_present_flag
      const int lists = chroma_format != 3 ? 8 : 12;
      for (int i = 0; i < lists && r.ok(); ++i) {
        if (r.Bit() != 0) SkipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.Ue();  // log2_max_frame_num_minus4
  const uint32_t poc_type = r.Ue();
  if (poc_type == 0) {
    r.Ue();
  } else if (poc_type == 1) {
    r.Bit();
    r.Se();
    r.Se();
    const uint32_t cycle = r.Ue();
    if (cycle > 255) return std::nullopt;
    for (uint32_t i = 0; i < cycle && r.ok(); ++i) r.Se();
  } else if (poc_type != 2) {
    return std::nullopt;
  }
  r.Ue();   // max_num_ref_frames
  r.Bit();  // gaps_in_frame_num_value_allowed_flag
  const uint32_t width_mbs = r.Ue() + 1;
  const uint32_t height_units = r.Ue() + 1;
  const uint32_t frame_mbs_only = r.Bit();
  if (frame_mbs_only == 0) r.Bit();  // mb_adaptive_frame_field_flag
  r.Bit();                           // direct_8x8_inference_flag
  uint32_t crop[4] = {0, 0, 0, 0};
  if (r.Bit() != 0) {
    for (uint32_t& c : crop) c = r.Ue();
  }
  if (!r.ok() || width_mbs > 1024 || height_units > 1024) return std::nullopt;
  const uint32_t array_type = separate_planes ? 0 : chroma_format;
  const uint32_t crop_x = array_type == 0 ? 1 : (array_type == 3 ? 1 : 2);
  const uint32_t crop_y = (array_type == 0 ? 1 : (array_type == 1 ? 2 : 1)) * (2 - frame_mbs_only);
  SpsFacts facts;
  const int64_t w = int64_t{width_mbs} * 16 - int64_t{crop_x} * (crop[0] + crop[1]);
  const int64_t h =
      int64_t{2 - frame_mbs_only} * height_units * 16 - int64_t{crop_y} * (crop[2] + crop[3]);
  if (w <= 0 || h <= 0) return std::nullopt;
  facts.width = static_cast<int>(w);
  facts.height = static_cast<int>(h);
  if (r.Bit() != 0) {    // vui_parameters_present_flag
    if (r.Bit() != 0) {  // aspect_ratio_info_present_flag
      if (r.Bits(8) == 255) r.Bits(32);
    }
    if (r.Bit() != 0) r.Bit();  // overscan
    if (r.Bit() != 0) {         // video_signal_type_present_flag
      r.Bits(4);
      if (r.Bit() != 0) r.Bits(24);
    }
    if (r.Bit() != 0) {  // chroma_loc_info_present_flag
      r.Ue();
      r.Ue();
    }
    if (r.Bit() != 0) {  // timing_info_present_flag
      const uint32_t units = r.Bits(32);
      const uint32_t scale = r.Bits(32);
      if (r.ok() && units > 0 && scale > 0) {
        facts.frame_rate = static_cast<double>(scale) / (2.0 * units);
      }
    }
  }
  return facts;
}

absl::StatusOr<AacConfig> ParseAacConfig(std::span<const uint8_t> asc) {
  if (asc.size() < 2) return Invalid("AAC configuration cut short");
  BitReader r(asc);
  AacConfig c;
  c.object_type = static_cast<int>(r.Bits(5));
  if (c.object_type == 31) c.object_type = 32 + static_cast<int>(r.Bits(6));
  c.frequency_index = static_cast<int>(r.Bits(4));
  if (c.frequency_index >= 13) return Invalid("AAC sampling frequency ADTS cannot carry");
  c.sample_rate = kAacRates[c.frequency_index];
  c.channels = static_cast<int>(r.Bits(4));
  if (!r.ok()) return Invalid("AAC configuration cut short");
  if (c.channels == 0 || c.channels > 7) {
    return Invalid("AAC channel configuration ADTS cannot carry");
  }
  return c;
}

absl::Status AppendAdts(const AacConfig& config, std::span<const uint8_t> raw,
                        std::vector<uint8_t>& out) {
  const size_t length = raw.size() + 7;
  if (length > 8191) return Invalid("AAC frame too long for ADTS");
  // ADTS carries profiles 1..4 (Main, LC, SSR, LTP); HE-AAC is signalled implicitly as its
  // AAC-LC core, as every muxer does.
  const int profile =
      config.object_type >= 1 && config.object_type <= 4 ? config.object_type - 1 : 1;
  out.insert(out.end(),
             {0xFF, 0xF1,
              static_cast<uint8_t>((profile << 6) | (config.frequency_index << 2) |
                                   ((config.channels >> 2) & 0x01)),
              static_cast<uint8_t>(((config.channels & 0x03) << 6) | ((length >> 11) & 0x03)),
              static_cast<uint8_t>((length >> 3) & 0xFF),
              static_cast<uint8_t>(((length & 0x07) << 5) | 0x1F), 0xFC});
  out.insert(out.end(), raw.begin(), raw.end());
  return absl::OkStatus();
}

}  // namespace shopcast::video_ingest::media
