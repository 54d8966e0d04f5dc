#include "media/caps_facts.h"

#include <cstdint>
#include <span>

#include "media/codec_strings.h"

namespace shopcast::video_ingest::media {

MediaFacts::Video VideoFactsFromCaps(const GstStructure* s) {
  MediaFacts::Video v;
  gst_structure_get_int(s, "width", &v.width);
  gst_structure_get_int(s, "height", &v.height);
  int num = 0;
  int den = 0;
  if (gst_structure_get_fraction(s, "framerate", &num, &den) && num > 0 && den > 0) {
    v.frame_rate = static_cast<double>(num) / den;
  }
  const char* profile = gst_structure_get_string(s, "profile");
  const char* level = gst_structure_get_string(s, "level");
  v.profile = profile != nullptr ? profile : "";
  v.level = level != nullptr ? level : "";
  return v;
}

MediaFacts::Audio AudioFactsFromCaps(const GstStructure* s) {
  MediaFacts::Audio a;
  gst_structure_get_int(s, "rate", &a.sample_rate);
  gst_structure_get_int(s, "channels", &a.channels);
  const GValue* value = gst_structure_get_value(s, "codec_data");
  if (value != nullptr && G_VALUE_HOLDS(value, GST_TYPE_BUFFER)) {
    GstBuffer* config = gst_value_get_buffer(value);
    GstMapInfo map;
    if (config != nullptr && gst_buffer_map(config, &map, GST_MAP_READ)) {
      a.object_type = AacObjectTypeFromConfig(std::span<const uint8_t>(map.data, map.size));
      gst_buffer_unmap(config, &map);
    }
  }
  if (a.object_type == 0) {
    const char* profile = gst_structure_get_string(s, "profile");
    if (profile != nullptr) a.object_type = AacObjectTypeFromProfile(profile);
  }
  return a;
}

}  // namespace shopcast::video_ingest::media
