#pragma once

// Everything one recording-lifecycle process runs, built from a Config: the database pool, the
// areas (recordings, markers), the gRPC host with its public listener and its internal one
// (EventSink, RecordingLifecycleInternalService), the outbox relay to the configured event
// sinks, and the orphan-marker report. The binary and the tests build the same App.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "app/config.h"
#include "shopcast/server/host.h"

namespace shopcast::recording_lifecycle {

namespace markers {
class OrphanWatch;
}

// Stand-ins for tests: null/empty means built as in production.
struct AppOverrides {
  // Makes the "<prefix>_…" ids of new rows (default ids::NewId).
  std::function<std::string(absl::string_view prefix)> new_id;
};

class App {
 public:
  // Loads keys and credentials, migrates, opens the pool and builds the areas. Serves nothing
  // until Start().
  static absl::StatusOr<std::unique_ptr<App>> Create(const Config& config,
                                                     const AppOverrides& overrides = {});
  ~App();  // Stop()s.

  // Background loops (revocations, outbox relay, orphan report), then the listeners.
  absl::Status Start();
  // Drains calls, then stops the loops. Idempotent.
  void Stop();

  server::ServiceHost& host();
  // The VOD origin's HTTP port (after Start; the configured one, or the kernel's pick for 0).
  uint16_t vod_http_port() const;
  // The orphan-marker report (tests run it on demand).
  markers::OrphanWatch& orphan_watch();

  struct Parts;

 private:
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
  bool stopped_ = false;
};

// `serve`: App until SIGTERM/SIGINT; returns the exit code.
int RunServer(const Config& config);
// `migrate`: apply migrations and exit.
int RunMigrate(const Config& config);

}  // namespace shopcast::recording_lifecycle
