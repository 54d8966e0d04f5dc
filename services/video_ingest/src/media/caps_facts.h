#pragma once

// What a parser's (or encoder's) caps say about a track, as MediaFacts take it: the packager
// reads the source's, the rendition ladder each rung's.

#include <gst/gst.h>

#include "media/media_facts.h"

namespace shopcast::video_ingest::media {

// Size, frame rate, H.264/HEVC profile and level of a video caps structure (missing fields
// stay unset).
MediaFacts::Video VideoFactsFromCaps(const GstStructure* s);
// Sample rate, channels and the AAC object type (from codec_data, else the profile name).
MediaFacts::Audio AudioFactsFromCaps(const GstStructure* s);

}  // namespace shopcast::video_ingest::media
