#pragma once

// RFC 6381 codec strings for the master playlist's CODECS attribute, derived from the media
// itself (the encoder's metadata may lie).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace shopcast::video_ingest::media {

// "avc1.PPCCLL" (lower-case hex) from the first sequence parameter set in an H.264 Annex B
// byte stream, or nullopt when it holds none.
std::optional<std::string> AvcCodecFromAnnexB(std::span<const uint8_t> annex_b);

// "hvc1.…" (ISO/IEC 14496-15 Annex E: profile space and idc, the compatibility flags in reverse
// bit order, tier and level, the six constraint bytes without trailing zero bytes; hexadecimal
// upper case) from the first sequence parameter set in an HEVC Annex B byte stream, or nullopt
// when it holds none (or one too short to carry its profile_tier_level). Emulation prevention
// bytes are removed first.
std::optional<std::string> HevcCodecFromAnnexB(std::span<const uint8_t> annex_b);

// The same string from the 12 bytes of a general profile_tier_level (profile space, tier and
// idc; 32 compatibility flags; 48 constraint bits; level_idc), as an SPS or an hvcC record
// carries them.
std::string HevcCodecFromProfileTierLevel(std::span<const uint8_t, 12> ptl);

// "avc1.PPCCLL" from GStreamer's caps fields profile ("high", "main", …) and level ("3.1"), for
// when no SPS was seen; nullopt for names it does not know.
std::optional<std::string> AvcCodecFromProfileLevel(std::string_view profile,
                                                    std::string_view level);

// The MPEG-4 audio object type in an AudioSpecificConfig (GStreamer's AAC codec_data), or 0.
int AacObjectTypeFromConfig(std::span<const uint8_t> audio_specific_config);

// The audio object type for GStreamer's AAC profile names ("lc" → 2, "main" → 1, …), or 0.
int AacObjectTypeFromProfile(std::string_view profile);

// "mp4a.40.<object type>"; object type 0 (unknown) is reported as AAC-LC (2).
std::string AacCodec(int audio_object_type);

}  // namespace shopcast::video_ingest::media
