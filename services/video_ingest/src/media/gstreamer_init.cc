#include "media/gstreamer_init.h"

#include <gst/gst.h>

#include <mutex>

namespace shopcast::video_ingest::media {

void InitGStreamer() {
  // gst_init is process-wide by nature; the once_flag only makes concurrent first calls safe.
  static std::once_flag once;
  std::call_once(once, [] { gst_init(nullptr, nullptr); });
}

}  // namespace shopcast::video_ingest::media
