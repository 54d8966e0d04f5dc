#pragma once

// Watches a pipeline's bus on one thread shared by every pipeline in the process (a GLib main
// loop started on first use), instead of a thread per stream polling its bus: a thousand
// sessions cost one thread here, not a thousand. Callbacks of all pipelines run one at a time on
// that thread, so they must be quick: no file I/O, no waiting on streaming threads for long.

#include <gst/gst.h>

#include <functional>

#include "absl/time/time.h"

namespace shopcast::video_ingest::media {

class BusWatch {
 public:
  // Runs `on_message` for every message posted on `bus` and `on_tick` every `tick`, on the
  // shared thread, until destroyed.
  BusWatch(GstBus* bus, std::function<void(GstMessage*)> on_message, absl::Duration tick,
           std::function<void()> on_tick);
  // When it returns no callback of this watch runs, or will. Must not run inside a callback.
  ~BusWatch();
  BusWatch(const BusWatch&) = delete;
  BusWatch& operator=(const BusWatch&) = delete;

 private:
  struct Sources;
  Sources* sources_;  // Freed on the shared thread, after its sources are gone.
};

}  // namespace shopcast::video_ingest::media
