#pragma once

// Everything one product-inventory process runs, built from a Config: the database pool, the
// areas (catalog, stock, auctions, pins), the gRPC host with its public and internal listeners,
// the EventSink for peers' events and the outbox relay to the configured event sinks. The
// binary and the tests build the same App, so tests run the real wiring.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "app/config.h"
#include "shopcast/server/host.h"

namespace shopcast::product_inventory {

// Stand-ins for tests: null/empty means built as in production.
struct AppOverrides {
  // Makes the "<prefix>_…" ids of new rows (default ids::NewId); a test repeats one to force a
  // collision.
  std::function<std::string(absl::string_view prefix)> new_id;
  // The wall clock of the stock area (hold times, expiry); a test moves it to expire holds.
  std::function<absl::Time()> stock_clock;
  // Product-image uploads: called with a decoding slot held just before the decode, and with
  // the stored rendition keys just before the row's transaction (a test holds or races an
  // upload there).
  std::function<void()> image_decoding;
  std::function<void(const std::vector<std::string>& keys)> image_stored;
};

class App {
 public:
  // Loads keys and credentials, migrates, opens the pool and builds every area. Serves nothing
  // until Start().
  static absl::StatusOr<std::unique_ptr<App>> Create(const Config& config,
                                                     const AppOverrides& overrides = {});
  ~App();  // Stop()s.

  // Background loops (revocations, outbox relay), then the listeners.
  absl::Status Start();
  // Drains calls, then stops the loops. Idempotent.
  void Stop();

  server::ServiceHost& host();
  // The image origin's bound port (the ephemeral one for port 0); 0 when http_addr is empty.
  uint16_t http_port() const;

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

}  // namespace shopcast::product_inventory
