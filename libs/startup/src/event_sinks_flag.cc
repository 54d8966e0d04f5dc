// Its own object file: only binaries that define SHOPCAST_EVENT_SINKS_FLAG link it.
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "shopcast/startup/service_config.h"

ABSL_DECLARE_FLAG(std::string, event_sinks);

namespace shopcast::startup {

absl::Status ReadEventSinks(ServiceConfig& c) {
  return ParseEventSinks(absl::GetFlag(FLAGS_event_sinks), c.event_sinks);
}

}  // namespace shopcast::startup
