#pragma once

// GStreamer must be initialised once per process before any element is made.

namespace shopcast::video_ingest::media {

// Initialises GStreamer exactly once per process; safe to call from any thread, any number of
// times.
void InitGStreamer();

}  // namespace shopcast::video_ingest::media
