#include "app/config.h"

#include "absl/flags/flag.h"
#include "shopcast/status/status.h"

SHOPCAST_SERVICE_FLAGS("recording-lifecycle", "0.0.0.0:50064", "0.0.0.0:9104", "0.0.0.0:50065",
                       "EventSink, GetPlaylist, ResolveSegment, RunAgingPass");
SHOPCAST_PAGE_TOKEN_FLAG();
SHOPCAST_EVENT_SINKS_FLAG("realtime_push=…");

// ---- recordings ----
ABSL_FLAG(std::string, hot_root, "/var/lib/shopcast/hot",
          "video-ingest's segment root (the hot tier): object keys like str_…/000041.ts under it");

// ---- markers ----
ABSL_FLAG(absl::Duration, orphan_grace, absl::Minutes(5),
          "a marker not placed this long after it arrived is reported as an orphan (10s..7d)");
ABSL_FLAG(absl::Duration, integrity_interval, absl::Minutes(1),
          "how often orphan markers are counted and reported (1s..1h)");

namespace shopcast::recording_lifecycle {
namespace {

bool Within(absl::Duration d, absl::Duration lo, absl::Duration hi) { return d >= lo && d <= hi; }

}  // namespace

absl::StatusOr<Config> LoadConfig() {
  Config c;
  RETURN_IF_ERROR(startup::ReadServiceConfig(c));
  RETURN_IF_ERROR(startup::ReadPageTokenKeyFile(c));
  RETURN_IF_ERROR(startup::ReadEventSinks(c));

  // ---- recordings ----
  c.hot_root = absl::GetFlag(FLAGS_hot_root);
  if (c.hot_root.empty() || c.hot_root[0] != '/') {
    return absl::InvalidArgumentError("hot_root must be an absolute path");
  }

  // ---- markers ----
  c.orphan_grace = absl::GetFlag(FLAGS_orphan_grace);
  c.integrity_interval = absl::GetFlag(FLAGS_integrity_interval);
  if (!Within(c.orphan_grace, absl::Seconds(10), absl::Hours(24 * 7))) {
    return absl::InvalidArgumentError("orphan_grace must be 10s..7d");
  }
  if (!Within(c.integrity_interval, absl::Seconds(1), absl::Hours(1))) {
    return absl::InvalidArgumentError("integrity_interval must be 1s..1h");
  }
  return c;
}

}  // namespace shopcast::recording_lifecycle
