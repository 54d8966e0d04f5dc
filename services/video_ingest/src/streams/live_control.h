#pragma once

// The hook through which the stream API reaches the ingest runtime (which owns the encoder
// connections and packagers) without depending on it.

#include <string>

#include "shopcast/video_ingest/v1/video_ingest.pb.h"

namespace shopcast::video_ingest::streams {

class LiveControl {
 public:
  virtual ~LiveControl() = default;
  // Stops the stream's encoder session, if any, and returns once its last segment is
  // recorded (bounded by the implementation). Called before the store ends the stream.
  virtual void StopPublishing(const std::string& stream_id,
                              video_ingest::v1::SessionEndReason why) = 0;
};

}  // namespace shopcast::video_ingest::streams
