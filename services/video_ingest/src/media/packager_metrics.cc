#include "media/packager_metrics.h"

namespace shopcast::video_ingest::media {
namespace {

const prometheus::Histogram::BucketBoundaries& Buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 2, 5};
  return kBuckets;
}

}  // namespace

PackagerMetrics::PackagerMetrics(prometheus::Registry& registry) {
  parts_written_ = &prometheus::BuildCounter()
                        .Name("ingest_parts_written_total")
                        .Help("Low-Latency HLS partial segments written and listed")
                        .Register(registry)
                        .Add({});
  auto& publish = prometheus::BuildHistogram()
                      .Name("ingest_publish_delay_seconds")
                      .Help(
                          "From the buffer that ends a part or segment leaving the parsers to "
                          "the playlist listing it")
                      .Register(registry);
  part_publish_ = &publish.Add({{"kind", "part"}}, Buckets());
  segment_publish_ = &publish.Add({{"kind", "segment"}}, Buckets());
  frames_dropped_ = &prometheus::BuildCounter()
                         .Name("ingest_frames_dropped_total")
                         .Help(
                             "Frames the native passthrough engine could not remux and dropped "
                             "(malformed NAL lengths, AAC frames too long for ADTS)")
                         .Register(registry)
                         .Add({});
}

}  // namespace shopcast::video_ingest::media
