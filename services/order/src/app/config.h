#pragma once

// order's configuration, from flags with SHOPCAST_ORDER_* environment fallback.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/log/log.h"

namespace shopcast::order {

struct Config {
  std::string grpc_addr;
  std::string metrics_addr;
  // OrderInternalService (CompletePlaceholderPayment): mutual TLS, service certificates only.
  std::string internal_grpc_addr;
  auth::ServiceTlsFiles service_tls;
  // libpq connection string without the password (PGPASSWORD / PGPASSFILE).
  std::string db_dsn;
  int db_pool_size = 8;
  std::vector<std::string> verify_key_files;
  std::string token_issuer;
  std::string token_audience;
  // The user service's internal listener: token revocations. Empty: tokens are honoured until
  // they expire.
  std::string user_internal_addr;
  absl::Duration revocation_sync_interval = absl::Seconds(1);
  // Key that seals list page tokens (libs/pagetoken): a file, never a flag's value.
  std::string page_token_key_file;
  // Outbox destinations: name -> host:port of the peer's internal listener (its EventSink).
  // Events for destinations without an address ("recording_lifecycle" until it exists) wait
  // in the outbox.
  std::map<std::string, std::string> event_sinks;
  absl::Duration drain_timeout = absl::Seconds(20);
  absl::Duration shutdown_unready_delay;
  log::Level log_level = log::Level::kInfo;

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
};

// Reads the parsed flags into a Config; an absent or malformed value is an error naming it.
absl::StatusOr<Config> LoadConfig();

}  // namespace shopcast::order
