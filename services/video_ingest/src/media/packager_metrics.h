#pragma once

// What the packagers of one process count: partial segments written, and how long after its
// media ended a part or a segment was listed (from the buffer that ends it leaving the parsers
// to the playlist's rename: muxer, file and playlist writes). Shared by every Pipeline.

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace shopcast::video_ingest::media {

class PackagerMetrics {
 public:
  explicit PackagerMetrics(prometheus::Registry& registry);

  prometheus::Counter& parts_written() { return *parts_written_; }
  prometheus::Histogram& part_publish() { return *part_publish_; }
  prometheus::Histogram& segment_publish() { return *segment_publish_; }
  // The native engine (native_packager.h): frames dropped because they could not be remuxed
  // (NAL lengths past the frame, an AAC frame too long for ADTS).
  prometheus::Counter& frames_dropped() { return *frames_dropped_; }

 private:
  prometheus::Counter* parts_written_;
  prometheus::Histogram* part_publish_;
  prometheus::Histogram* segment_publish_;
  prometheus::Counter* frames_dropped_;
};

}  // namespace shopcast::video_ingest::media
