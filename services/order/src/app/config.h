#pragma once

// order's configuration, from flags with SHOPCAST_ORDER_* environment fallback.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/startup/service_config.h"

namespace shopcast::order {

// The shared settings (listeners, TLS, database, tokens, revocations, page tokens, event sinks,
// shutdown, logging) come from startup::ServiceConfig; the areas' own follow.
struct Config : startup::ServiceConfig {
  // ---- checkout ----
  // product-inventory's internal listener (its checkout RPCs). Required.
  std::string product_inventory_addr;
  // Deadline of each call to product-inventory.
  absl::Duration inventory_timeout = absl::Seconds(5);
  // How long a PlaceOrder idempotency key is remembered.
  absl::Duration idempotency_key_ttl = absl::Hours(24);
  // A runner's lease on an order: a dead runner's sagas resume this long after its last step.
  absl::Duration saga_lease = absl::Seconds(30);
  // How long product-inventory keeps a hold locked for a checkout (30s..15m).
  absl::Duration reservation_lock = absl::Minutes(10);
  // Each payment provider call's deadline, and calls per step before giving up.
  absl::Duration provider_timeout = absl::Seconds(5);
  int provider_attempts = 3;
  // A pending payment not settled within this fails with PAYMENT_TIMEOUT.
  absl::Duration payment_pending_timeout = absl::Minutes(10);
  // How often each replica looks for sagas to resume (and expired keys to delete).
  absl::Duration recovery_interval = absl::Seconds(1);

  // ---- access passes ----
  // video-ingest's internal listener (LookupStreams: a gated stream's host, status and access
  // price). Required.
  std::string video_ingest_addr;
  // Deadline of each call to video-ingest.
  absl::Duration video_ingest_timeout = absl::Seconds(3);
  // recording-lifecycle's gRPC listener (GetRecording: is an ended show's replay kept). Empty:
  // no pass is sold once a show has ended.
  std::string recording_lifecycle_addr;
};

// Reads the parsed flags into a Config; an absent or malformed value is an error naming it.
absl::StatusOr<Config> LoadConfig();

}  // namespace shopcast::order
