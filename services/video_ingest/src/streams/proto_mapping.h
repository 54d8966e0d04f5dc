#pragma once

// Domain rows → contract messages.

#include <string>

#include "shopcast/video_ingest/v1/video_ingest.pb.h"
#include "streams/stream.h"
#include "streams/streams.h"

namespace shopcast::video_ingest::streams {

struct StreamView {
  std::string playback_base_url;
  // The host's view adds ingest (without the key) and the current session.
  bool host_view = false;
  std::string rtmp_server_url;
  std::string srt_server_url;
};

void ToProto(const StreamRow& row, const StreamView& view, vpb::Stream* out);
void ToProto(const SessionRow& row, vpb::IngestSession* out);
void ToProto(const Endpoints& e, vpb::IngestEndpoints* out);
void ToProto(const SegmentRow& row, vpb::SegmentClosed* out);

}  // namespace shopcast::video_ingest::streams
