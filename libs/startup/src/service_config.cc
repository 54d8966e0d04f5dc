#include "shopcast/startup/service_config.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

// Defined by the binary with SHOPCAST_SERVICE_FLAGS.
ABSL_DECLARE_FLAG(std::string, grpc_addr);
ABSL_DECLARE_FLAG(std::string, metrics_addr);
ABSL_DECLARE_FLAG(std::string, internal_grpc_addr);
ABSL_DECLARE_FLAG(std::string, service_ca_file);
ABSL_DECLARE_FLAG(std::string, service_cert_file);
ABSL_DECLARE_FLAG(std::string, service_key_file);
ABSL_DECLARE_FLAG(std::string, db_dsn);
ABSL_DECLARE_FLAG(int, db_pool_size);
ABSL_DECLARE_FLAG(std::string, verify_key_files);
ABSL_DECLARE_FLAG(std::string, token_issuer);
ABSL_DECLARE_FLAG(std::string, token_audience);
ABSL_DECLARE_FLAG(std::string, user_internal_addr);
ABSL_DECLARE_FLAG(absl::Duration, revocation_sync_interval);
ABSL_DECLARE_FLAG(absl::Duration, revocation_long_poll);
ABSL_DECLARE_FLAG(absl::Duration, drain_timeout);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_unready_delay);
ABSL_DECLARE_FLAG(std::string, log_level);

namespace shopcast::startup {

absl::Status ReadServiceConfig(ServiceConfig& c) {
  return ReadServiceConfig(c, ServiceConfigNeeds{});
}

absl::Status ReadServiceConfig(ServiceConfig& c, const ServiceConfigNeeds& needs) {
  c.grpc_addr = absl::GetFlag(FLAGS_grpc_addr);
  c.metrics_addr = absl::GetFlag(FLAGS_metrics_addr);
  c.internal_grpc_addr = absl::GetFlag(FLAGS_internal_grpc_addr);
  c.service_tls = auth::ServiceTlsFiles{absl::GetFlag(FLAGS_service_ca_file),
                                        absl::GetFlag(FLAGS_service_cert_file),
                                        absl::GetFlag(FLAGS_service_key_file)};
  c.db_dsn = absl::GetFlag(FLAGS_db_dsn);
  c.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  c.verify_key_files.clear();
  for (absl::string_view f :
       absl::StrSplit(absl::GetFlag(FLAGS_verify_key_files), ',', absl::SkipEmpty())) {
    c.verify_key_files.emplace_back(f);
  }
  c.token_issuer = absl::GetFlag(FLAGS_token_issuer);
  c.token_audience = absl::GetFlag(FLAGS_token_audience);
  c.user_internal_addr = absl::GetFlag(FLAGS_user_internal_addr);
  c.revocation_sync_interval = absl::GetFlag(FLAGS_revocation_sync_interval);
  c.revocation_long_poll = absl::GetFlag(FLAGS_revocation_long_poll);
  c.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  c.shutdown_unready_delay = absl::GetFlag(FLAGS_shutdown_unready_delay);

  if (needs.database && c.db_dsn.empty()) {
    return absl::InvalidArgumentError("db_dsn is required");
  }
  if (c.db_dsn.find("password") != std::string::npos) {
    return absl::InvalidArgumentError(
        "db_dsn must not contain a password; set PGPASSWORD or PGPASSFILE instead");
  }
  if (c.db_pool_size < 2 || c.db_pool_size > 256) {
    return absl::InvalidArgumentError("db_pool_size must be 2..256");
  }
  if (needs.verify_key_files && c.verify_key_files.empty()) {
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
  if (c.revocation_long_poll < absl::ZeroDuration() || c.revocation_long_poll > absl::Seconds(60)) {
    return absl::InvalidArgumentError("revocation_long_poll must be 0..60s");
  }
  if (c.drain_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("drain_timeout must be >= 0");
  }
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &c.log_level)) {
    return absl::InvalidArgumentError("log_level must be debug, info, warn or error");
  }
  return absl::OkStatus();
}

}  // namespace shopcast::startup
