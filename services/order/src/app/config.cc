#include "app/config.h"

#include "absl/flags/flag.h"
#include "shopcast/status/status.h"

SHOPCAST_SERVICE_FLAGS("order", "0.0.0.0:50060", "0.0.0.0:9100", "0.0.0.0:50061",
                       "CompletePlaceholderPayment");
SHOPCAST_PAGE_TOKEN_FLAG();
SHOPCAST_EVENT_SINKS_FLAG("realtime_push=…");

// ---- checkout ----
ABSL_FLAG(std::string, product_inventory_addr, "",
          "host:port of product-inventory's internal listener (checkout RPCs)");
ABSL_FLAG(absl::Duration, inventory_timeout, absl::Seconds(5),
          "deadline of each call to product-inventory (100ms..60s)");
ABSL_FLAG(absl::Duration, idempotency_key_ttl, absl::Hours(24),
          "how long PlaceOrder idempotency keys are remembered (1h..7d)");
ABSL_FLAG(absl::Duration, saga_lease, absl::Seconds(30),
          "a saga runner's lease; a dead runner's orders resume after it lapses (1s..10m)");
ABSL_FLAG(absl::Duration, reservation_lock, absl::Minutes(10),
          "how long product-inventory keeps a hold locked for checkout (30s..15m)");
ABSL_FLAG(absl::Duration, provider_timeout, absl::Seconds(5),
          "deadline of each payment provider call (100ms..60s)");
ABSL_FLAG(int, provider_attempts, 3, "calls per payment step before giving up (1..10)");
ABSL_FLAG(absl::Duration, payment_pending_timeout, absl::Minutes(10),
          "a pending payment not settled within this fails with PAYMENT_TIMEOUT (1s..7d)");
ABSL_FLAG(absl::Duration, recovery_interval, absl::Seconds(1),
          "how often each replica looks for sagas to resume (50ms..1m)");

// ---- access passes ----
ABSL_FLAG(std::string, video_ingest_addr, "",
          "host:port of video-ingest's internal listener (LookupStreams: access prices)");
ABSL_FLAG(absl::Duration, video_ingest_timeout, absl::Seconds(3),
          "deadline of each call to video-ingest (100ms..60s)");
ABSL_FLAG(std::string, recording_lifecycle_addr, "",
          "host:port of recording-lifecycle's gRPC listener (GetRecording: a pass bought after a "
          "show is for its kept replay; empty: none is sold once a show ended)");

namespace shopcast::order {
namespace {

bool Within(absl::Duration d, absl::Duration lo, absl::Duration hi) { return d >= lo && d <= hi; }

}  // namespace

absl::StatusOr<Config> LoadConfig() {
  Config c;
  RETURN_IF_ERROR(startup::ReadServiceConfig(c));
  RETURN_IF_ERROR(startup::ReadPageTokenKeyFile(c));
  RETURN_IF_ERROR(startup::ReadEventSinks(c));

  // ---- checkout ----
  c.product_inventory_addr = absl::GetFlag(FLAGS_product_inventory_addr);
  c.inventory_timeout = absl::GetFlag(FLAGS_inventory_timeout);
  c.idempotency_key_ttl = absl::GetFlag(FLAGS_idempotency_key_ttl);
  c.saga_lease = absl::GetFlag(FLAGS_saga_lease);
  c.reservation_lock = absl::GetFlag(FLAGS_reservation_lock);
  c.provider_timeout = absl::GetFlag(FLAGS_provider_timeout);
  c.provider_attempts = absl::GetFlag(FLAGS_provider_attempts);
  c.payment_pending_timeout = absl::GetFlag(FLAGS_payment_pending_timeout);
  c.recovery_interval = absl::GetFlag(FLAGS_recovery_interval);
  if (c.product_inventory_addr.empty()) {
    return absl::InvalidArgumentError("product_inventory_addr is required");
  }
  if (!Within(c.inventory_timeout, absl::Milliseconds(100), absl::Seconds(60))) {
    return absl::InvalidArgumentError("inventory_timeout must be 100ms..60s");
  }
  if (!Within(c.idempotency_key_ttl, absl::Hours(1), absl::Hours(24 * 7))) {
    return absl::InvalidArgumentError("idempotency_key_ttl must be 1h..7d");
  }
  if (!Within(c.saga_lease, absl::Seconds(1), absl::Minutes(10))) {
    return absl::InvalidArgumentError("saga_lease must be 1s..10m");
  }
  if (!Within(c.reservation_lock, absl::Seconds(30), absl::Minutes(15))) {
    return absl::InvalidArgumentError("reservation_lock must be 30s..15m");
  }
  if (!Within(c.provider_timeout, absl::Milliseconds(100), absl::Seconds(60))) {
    return absl::InvalidArgumentError("provider_timeout must be 100ms..60s");
  }
  if (c.provider_attempts < 1 || c.provider_attempts > 10) {
    return absl::InvalidArgumentError("provider_attempts must be 1..10");
  }
  if (!Within(c.payment_pending_timeout, absl::Seconds(1), absl::Hours(24 * 7))) {
    return absl::InvalidArgumentError("payment_pending_timeout must be 1s..7d");
  }
  if (!Within(c.recovery_interval, absl::Milliseconds(50), absl::Minutes(1))) {
    return absl::InvalidArgumentError("recovery_interval must be 50ms..1m");
  }

  // ---- access passes ----
  c.video_ingest_addr = absl::GetFlag(FLAGS_video_ingest_addr);
  c.video_ingest_timeout = absl::GetFlag(FLAGS_video_ingest_timeout);
  c.recording_lifecycle_addr = absl::GetFlag(FLAGS_recording_lifecycle_addr);
  if (c.video_ingest_addr.empty()) {
    return absl::InvalidArgumentError("video_ingest_addr is required");
  }
  if (!Within(c.video_ingest_timeout, absl::Milliseconds(100), absl::Seconds(60))) {
    return absl::InvalidArgumentError("video_ingest_timeout must be 100ms..60s");
  }
  return c;
}

}  // namespace shopcast::order
