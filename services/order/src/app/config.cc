#include "app/config.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"

ABSL_FLAG(std::string, grpc_addr, "0.0.0.0:50060", "gRPC listen address");
ABSL_FLAG(std::string, metrics_addr, "0.0.0.0:9100", "Prometheus /metrics listen address");
ABSL_FLAG(std::string, internal_grpc_addr, "0.0.0.0:50061",
          "internal gRPC listen address (CompletePlaceholderPayment; mutual TLS)");
ABSL_FLAG(std::string, service_ca_file, "", "PEM of the internal CA that signs service certs");
ABSL_FLAG(std::string, service_cert_file, "", "PEM certificate of this service (CN=order)");
ABSL_FLAG(std::string, service_key_file, "", "PEM private key of service_cert_file");
ABSL_FLAG(std::string, db_dsn, "", "libpq connection string (no password; use PGPASSWORD)");
ABSL_FLAG(int, db_pool_size, 8, "database connections (also the blocking-work threads)");
ABSL_FLAG(std::string, verify_key_files, "",
          "comma-separated PEM public keys that access tokens are verified with");
ABSL_FLAG(std::string, token_issuer, "shopcast-user", "expected iss claim of access tokens");
ABSL_FLAG(std::string, token_audience, "shopcast", "expected aud claim of access tokens");
ABSL_FLAG(std::string, user_internal_addr, "",
          "host:port of the user service's internal listener (token revocations)");
ABSL_FLAG(absl::Duration, revocation_sync_interval, absl::Seconds(1),
          "how often the token revocation list is pulled from the user service");
ABSL_FLAG(std::string, page_token_key_file, "",
          "file holding the key (>= 32 bytes) that seals list page tokens");
ABSL_FLAG(std::string, event_sinks, "",
          "outbox destination=host:port pairs, comma-separated (realtime_push=…)");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),
          "how long in-flight calls may run after SIGTERM");
ABSL_FLAG(absl::Duration, shutdown_unready_delay, absl::ZeroDuration(),
          "after SIGTERM: readiness off while still serving this long, then drain");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");

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

namespace shopcast::order {
namespace {

bool Within(absl::Duration d, absl::Duration lo, absl::Duration hi) { return d >= lo && d <= hi; }

}  // namespace

absl::StatusOr<Config> LoadConfig() {
  Config c;
  c.grpc_addr = absl::GetFlag(FLAGS_grpc_addr);
  c.metrics_addr = absl::GetFlag(FLAGS_metrics_addr);
  c.internal_grpc_addr = absl::GetFlag(FLAGS_internal_grpc_addr);
  c.service_tls = auth::ServiceTlsFiles{absl::GetFlag(FLAGS_service_ca_file),
                                        absl::GetFlag(FLAGS_service_cert_file),
                                        absl::GetFlag(FLAGS_service_key_file)};
  c.db_dsn = absl::GetFlag(FLAGS_db_dsn);
  c.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  for (absl::string_view f :
       absl::StrSplit(absl::GetFlag(FLAGS_verify_key_files), ',', absl::SkipEmpty())) {
    c.verify_key_files.emplace_back(f);
  }
  c.token_issuer = absl::GetFlag(FLAGS_token_issuer);
  c.token_audience = absl::GetFlag(FLAGS_token_audience);
  c.user_internal_addr = absl::GetFlag(FLAGS_user_internal_addr);
  c.revocation_sync_interval = absl::GetFlag(FLAGS_revocation_sync_interval);
  c.page_token_key_file = absl::GetFlag(FLAGS_page_token_key_file);
  for (absl::string_view pair :
       absl::StrSplit(absl::GetFlag(FLAGS_event_sinks), ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty() || kv[1].empty()) {
      return absl::InvalidArgumentError("event_sinks must be destination=host:port,…");
    }
    c.event_sinks[kv[0]] = kv[1];
  }
  c.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  c.shutdown_unready_delay = absl::GetFlag(FLAGS_shutdown_unready_delay);

  if (c.db_dsn.empty()) return absl::InvalidArgumentError("db_dsn is required");
  if (c.db_dsn.find("password") != std::string::npos) {
    return absl::InvalidArgumentError(
        "db_dsn must not contain a password; set PGPASSWORD or PGPASSFILE instead");
  }
  if (c.db_pool_size < 2 || c.db_pool_size > 256) {
    return absl::InvalidArgumentError("db_pool_size must be 2..256");
  }
  if (c.verify_key_files.empty()) {
    return absl::InvalidArgumentError("verify_key_files is required");
  }
  if (c.token_issuer.empty() || c.token_audience.empty()) {
    return absl::InvalidArgumentError("token_issuer and token_audience must not be empty");
  }
  if (c.shutdown_unready_delay < absl::ZeroDuration() ||
      c.revocation_sync_interval < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError(
        "shutdown_unready_delay must be >= 0 and revocation_sync_interval >= 100ms");
  }
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &c.log_level)) {
    return absl::InvalidArgumentError("log_level must be debug, info, warn or error");
  }

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
  if (c.video_ingest_addr.empty()) {
    return absl::InvalidArgumentError("video_ingest_addr is required");
  }
  if (!Within(c.video_ingest_timeout, absl::Milliseconds(100), absl::Seconds(60))) {
    return absl::InvalidArgumentError("video_ingest_timeout must be 100ms..60s");
  }
  return c;
}

}  // namespace shopcast::order
