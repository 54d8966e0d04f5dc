#pragma once

// The streams this service has heard of from video-ingest (stream_created, went_live,
// reconnecting, ended events through the EventSink), so ownership of a stream is checked here
// without a call: a host attaches products (and pins) only to their own streams.

#include <optional>
#include <pqxx/transaction>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shopcast/common/v1/event.pb.h"

namespace shopcast::product_inventory {

struct StreamInfo {
  std::string id;
  std::string host_id;
  int status = 0;  // shopcast.common.v1.StreamStatus
  bool ended = false;
};

// True for the event types ApplyStreamEvent handles.
bool IsStreamEvent(const common::v1::Event& event);

// Records a video_ingest.stream_* event in `tx`. An ended stream stays ended (a late event
// never reopens it). INVALID_ARGUMENT EVENT_PAYLOAD_INVALID for a payload that does not unpack.
absl::Status ApplyStreamEvent(pqxx::work& tx, const common::v1::Event& event, absl::Time now);

// Its statements, for the pool's prepared list.
namespace sql {
std::vector<std::pair<std::string, std::string>> StreamStatements();
}  // namespace sql

// The stream, if known.
std::optional<StreamInfo> LookupStream(pqxx::work& tx, const std::string& stream_id);

}  // namespace shopcast::product_inventory
