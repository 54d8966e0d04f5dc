#include "config.h"

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shopcast/auth/tokens.h"
#include "shopcast/startup/service_config.h"

ABSL_FLAG(std::string, grpc_addr, "0.0.0.0:50051", "gRPC listen address");
ABSL_FLAG(std::string, metrics_addr, "0.0.0.0:9090", "Prometheus /metrics listen address");
ABSL_FLAG(std::string, db_dsn, "", "libpq connection string (no password; use PGPASSWORD)");
ABSL_FLAG(int, db_pool_size, 8, "database connections (also the blocking-work threads)");
ABSL_FLAG(std::string, signing_key_file, "", "PEM file of the EC P-256 token signing key");
ABSL_FLAG(std::string, verify_key_files, "",
          "comma-separated PEM public keys of earlier signing keys, still accepted");
ABSL_FLAG(std::string, page_token_key_file, "",
          "file holding the page-token HMAC key (at least 32 bytes; shared by all replicas)");
ABSL_FLAG(int, max_concurrent_hashes, 4,
          "password hashes computed at once (each takes 19 MiB); bounds their memory");
ABSL_FLAG(int, registrations_per_address, 10,
          "registrations from one address before each further one waits (1 min, doubling)");
ABSL_FLAG(std::string, token_issuer, "shopcast-user", "iss claim of access tokens");
ABSL_FLAG(std::string, token_audience, "shopcast", "aud claim of access tokens");
ABSL_FLAG(absl::Duration, access_token_ttl, absl::Minutes(15), "access token lifetime");
ABSL_FLAG(absl::Duration, refresh_token_ttl, absl::Hours(24 * 30), "refresh token lifetime");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),
          "how long in-flight calls may run after SIGTERM");
ABSL_FLAG(absl::Duration, shutdown_unready_delay, absl::ZeroDuration(),
          "after SIGTERM: readiness off while still serving this long, then drain");
ABSL_FLAG(std::string, internal_grpc_addr, "0.0.0.0:50052",
          "internal gRPC listen address (service-to-service RPCs, mutual TLS)");
ABSL_FLAG(std::string, service_ca_file, "", "PEM of the internal CA that signs service certs");
ABSL_FLAG(std::string, service_cert_file, "", "PEM certificate of this service (CN=user)");
ABSL_FLAG(std::string, service_key_file, "", "PEM private key of service_cert_file");
ABSL_FLAG(absl::Duration, revocation_sync_interval, absl::Seconds(1),
          "how often the token revocation list is refreshed");
ABSL_FLAG(std::string, follower_contacts_peers, "realtime-push",
          "comma-separated services (certificate names) allowed to read followers' e-mail");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error");
SHOPCAST_EVENT_SINKS_FLAG("realtime_push=realtime-push:50056");
ABSL_FLAG(absl::Duration, password_reset_ttl, absl::Minutes(30),
          "how long a password-reset link works (once); 5m..24h");
ABSL_FLAG(int, password_resets_per_hour, 3, "password-reset e-mails per account an hour, 1..20");
ABSL_FLAG(absl::Duration, email_verification_ttl, absl::Hours(48),
          "how long an address-confirmation link works, 1h..30d");
ABSL_FLAG(int, email_verifications_per_hour, 3,
          "address-confirmation e-mails per account an hour, 1..20");
ABSL_FLAG(absl::Duration, outbox_retain_delivered, absl::Minutes(5),
          "delivered outbox events (reset tokens in them) are deleted after this; 0..1h");

namespace shopcast::user {

absl::StatusOr<Config> LoadConfig() {
  Config c;
  c.grpc_addr = absl::GetFlag(FLAGS_grpc_addr);
  c.metrics_addr = absl::GetFlag(FLAGS_metrics_addr);
  c.db_dsn = absl::GetFlag(FLAGS_db_dsn);
  c.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  c.signing_key_file = absl::GetFlag(FLAGS_signing_key_file);
  for (absl::string_view f :
       absl::StrSplit(absl::GetFlag(FLAGS_verify_key_files), ',', absl::SkipEmpty())) {
    c.verify_key_files.emplace_back(f);
  }
  for (absl::string_view peer :
       absl::StrSplit(absl::GetFlag(FLAGS_follower_contacts_peers), ',', absl::SkipWhitespace())) {
    c.follower_contacts_peers.emplace_back(absl::StripAsciiWhitespace(peer));
  }
  c.page_token_key_file = absl::GetFlag(FLAGS_page_token_key_file);
  c.max_concurrent_hashes = absl::GetFlag(FLAGS_max_concurrent_hashes);
  c.registrations_per_address = absl::GetFlag(FLAGS_registrations_per_address);
  c.token_issuer = absl::GetFlag(FLAGS_token_issuer);
  c.token_audience = absl::GetFlag(FLAGS_token_audience);
  c.access_token_ttl = absl::GetFlag(FLAGS_access_token_ttl);
  c.refresh_token_ttl = absl::GetFlag(FLAGS_refresh_token_ttl);
  c.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  c.shutdown_unready_delay = absl::GetFlag(FLAGS_shutdown_unready_delay);
  c.internal_grpc_addr = absl::GetFlag(FLAGS_internal_grpc_addr);
  c.service_tls = auth::ServiceTlsFiles{absl::GetFlag(FLAGS_service_ca_file),
                                        absl::GetFlag(FLAGS_service_cert_file),
                                        absl::GetFlag(FLAGS_service_key_file)};
  c.revocation_sync_interval = absl::GetFlag(FLAGS_revocation_sync_interval);
  if (c.shutdown_unready_delay < absl::ZeroDuration() ||
      c.revocation_sync_interval < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError(
        "shutdown_unready_delay must be >= 0 and revocation_sync_interval >= 100ms");
  }

  if (c.db_dsn.empty()) return absl::InvalidArgumentError("db_dsn is required");
  if (c.db_dsn.find("password") != std::string::npos) {
    return absl::InvalidArgumentError(
        "db_dsn must not contain a password; set PGPASSWORD or PGPASSFILE instead");
  }
  if (c.db_pool_size < 1 || c.db_pool_size > 256) {
    return absl::InvalidArgumentError("db_pool_size must be 1..256");
  }
  if (c.signing_key_file.empty()) {
    return absl::InvalidArgumentError("signing_key_file is required");
  }
  if (c.max_concurrent_hashes < 1 || c.max_concurrent_hashes > 64) {
    return absl::InvalidArgumentError("max_concurrent_hashes must be 1..64");
  }
  if (c.registrations_per_address < 1) {
    return absl::InvalidArgumentError("registrations_per_address must be at least 1");
  }
  if (c.token_issuer.empty() || c.token_audience.empty()) {
    return absl::InvalidArgumentError("token_issuer and token_audience must not be empty");
  }
  // Every service forgets a logged-out session after auth::kMaxAccessTokenTtl (plus leeway).
  if (c.access_token_ttl < absl::Minutes(1) || c.access_token_ttl > auth::kMaxAccessTokenTtl) {
    return absl::InvalidArgumentError("access_token_ttl must be between 1m and 24h");
  }
  if (c.refresh_token_ttl < c.access_token_ttl) {
    return absl::InvalidArgumentError("refresh_token_ttl must be at least access_token_ttl");
  }
  if (absl::Status s = startup::ParseEventSinks(absl::GetFlag(FLAGS_event_sinks), c.event_sinks);
      !s.ok()) {
    return s;
  }
  c.password_reset_ttl = absl::GetFlag(FLAGS_password_reset_ttl);
  if (c.password_reset_ttl < absl::Minutes(5) || c.password_reset_ttl > absl::Hours(24)) {
    return absl::InvalidArgumentError("password_reset_ttl must be between 5m and 24h");
  }
  c.password_resets_per_hour = absl::GetFlag(FLAGS_password_resets_per_hour);
  if (c.password_resets_per_hour < 1 || c.password_resets_per_hour > 20) {
    return absl::InvalidArgumentError("password_resets_per_hour must be 1..20");
  }
  c.email_verification_ttl = absl::GetFlag(FLAGS_email_verification_ttl);
  if (c.email_verification_ttl < absl::Hours(1) ||
      c.email_verification_ttl > absl::Hours(24 * 30)) {
    return absl::InvalidArgumentError("email_verification_ttl must be between 1h and 30d");
  }
  c.email_verifications_per_hour = absl::GetFlag(FLAGS_email_verifications_per_hour);
  if (c.email_verifications_per_hour < 1 || c.email_verifications_per_hour > 20) {
    return absl::InvalidArgumentError("email_verifications_per_hour must be 1..20");
  }
  c.outbox_retain_delivered = absl::GetFlag(FLAGS_outbox_retain_delivered);
  if (c.outbox_retain_delivered < absl::ZeroDuration() ||
      c.outbox_retain_delivered > absl::Hours(1)) {
    return absl::InvalidArgumentError("outbox_retain_delivered must be between 0 and 1h");
  }
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &c.log_level)) {
    return absl::InvalidArgumentError("log_level must be debug, info, warn or error");
  }
  return c;
}

}  // namespace shopcast::user
