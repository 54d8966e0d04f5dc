#pragma once

// Everything one order process runs, built from a Config: the database pool, the checkout
// (saga, recovery, RPCs), the gRPC host with its public and internal listeners, and the outbox
// relay to the configured event sinks. The binary and the tests build the same App.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "access/replays.h"
#include "access/streams.h"
#include "app/config.h"
#include "checkout/checkout_rpcs.h"
#include "checkout/inventory.h"
#include "payments/provider.h"
#include "shopcast/server/host.h"

namespace shopcast::order {

// Stand-ins for tests: null/empty means built as in production.
struct AppOverrides {
  // Makes the "<prefix>_…" ids of new rows (default ids::NewId).
  std::function<std::string(absl::string_view prefix)> new_id;
  // The payment provider (and how CompletePlaceholderPayment settles at it) instead of the
  // built-in SimulatedProvider; outlives the App.
  payments::PaymentProvider* provider = nullptr;
  checkout::SettlePayment settle;
  // product-inventory; outlives the App.
  checkout::Inventory* inventory = nullptr;
  // video-ingest (access prices); outlives the App.
  access::Streams* streams = nullptr;
  // recording-lifecycle (kept replays); outlives the App.
  access::Replays* replays = nullptr;
  // Called after each recorded saga step with the step that runs next, and after each recorded
  // lifecycle decision or step (src/lifecycle: "void", "release", "refund", "return_stock");
  // true abandons the run there as if the process died (the lease is kept until it lapses).
  std::function<bool(const std::string& order_id, const std::string& next_step)> crash_after;
  // Tests that start many Apps on one database run without the recovery worker.
  bool no_recovery = false;
};

class App {
 public:
  // Loads keys and credentials, migrates, opens the pool and builds the areas. Serves nothing
  // until Start().
  static absl::StatusOr<std::unique_ptr<App>> Create(const Config& config,
                                                     const AppOverrides& overrides = {});
  ~App();  // Stop()s.

  // Background loops (revocations, outbox relay, recovery), then the listeners.
  absl::Status Start();
  // Drains calls, then stops the loops. Idempotent.
  void Stop();

  server::ServiceHost& host();

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

}  // namespace shopcast::order
