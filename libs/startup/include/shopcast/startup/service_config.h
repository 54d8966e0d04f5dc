#pragma once

// The settings every data-owning service shares — listeners, the internal mTLS identity, the
// database, token verification, revocations, shutdown and logging — declared, read and checked
// once. A service's Config derives from ServiceConfig and adds its areas' settings:
//
//   // config.cc, at file scope: the flags, with this binary's own listener defaults.
//   SHOPCAST_SERVICE_FLAGS("order", "0.0.0.0:50060", "0.0.0.0:9100", "0.0.0.0:50061",
//                          "CompletePlaceholderPayment");
//   SHOPCAST_PAGE_TOKEN_FLAG();
//   SHOPCAST_EVENT_SINKS_FLAG("realtime_push=…");
//
//   absl::StatusOr<Config> LoadConfig() {
//     Config c;
//     RETURN_IF_ERROR(startup::ReadServiceConfig(c));
//     RETURN_IF_ERROR(startup::ReadPageTokenKeyFile(c));
//     RETURN_IF_ERROR(startup::ReadEventSinks(c));
//     ... the areas' own flags ...
//   }
//
// The flags are defined by the binary (its defaults differ per service) and read here: each
// Read* function lives in its own object file, so a binary that defines only some of the
// flags links only the readers it calls.

#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/log/log.h"

namespace shopcast::startup {

struct ServiceConfig {
  std::string grpc_addr;
  std::string metrics_addr;
  // The internal listener (service-to-service RPCs, EventSink): mutual TLS, service
  // certificates only.
  std::string internal_grpc_addr;
  auth::ServiceTlsFiles service_tls;
  // libpq connection string without the password (PGPASSWORD / PGPASSFILE).
  std::string db_dsn;
  // Database connections, and the threads doing blocking work on them.
  int db_pool_size = 8;
  std::vector<std::string> verify_key_files;
  std::string token_issuer;
  std::string token_audience;
  // The user service's internal listener: token revocations. Empty: tokens are honoured until
  // they expire.
  std::string user_internal_addr;
  absl::Duration revocation_sync_interval = absl::Seconds(1);
  // How long each pull of revocations may be held by the user service (a long poll, answered
  // as soon as it knows of a new one); zero pulls every revocation_sync_interval instead.
  absl::Duration revocation_long_poll = absl::Seconds(30);
  absl::Duration drain_timeout = absl::Seconds(20);
  absl::Duration shutdown_unready_delay;
  log::Level log_level = log::Level::kInfo;

  // SHOPCAST_PAGE_TOKEN_FLAG: the key that seals list page tokens (libs/pagetoken); a file,
  // never a flag's value.
  std::string page_token_key_file;
  // SHOPCAST_EVENT_SINKS_FLAG: outbox destinations, name -> host:port of the peer's internal
  // listener (its EventSink). Events for destinations without an address wait in the outbox.
  std::map<std::string, std::string> event_sinks;
};

// What ReadServiceConfig insists on. A service without a database, or one that fetches its
// verifying keys instead of reading them from files (the gateway), turns a check off.
struct ServiceConfigNeeds {
  bool database = true;          // db_dsn required
  bool verify_key_files = true;  // verify_key_files required
};

// Reads the flags SHOPCAST_SERVICE_FLAGS defined into `c` and checks them; the error names the
// flag and never echoes a value.
absl::Status ReadServiceConfig(ServiceConfig& c);
absl::Status ReadServiceConfig(ServiceConfig& c, const ServiceConfigNeeds& needs);
// SHOPCAST_PAGE_TOKEN_FLAG's flag (required by LoadPageTokens, not here).
absl::Status ReadPageTokenKeyFile(ServiceConfig& c);
// SHOPCAST_EVENT_SINKS_FLAG's flag: "destination=host:port,…", each part non-empty.
absl::Status ReadEventSinks(ServiceConfig& c);

// "a=h:1,b=h:2" -> {a: h:1, b: h:2}; a malformed pair is an error. A gRPC multi-address
// target keeps its commas: "a=ipv4:h:1,h:2,b=h:3" -> {a: ipv4:h:1,h:2, b: h:3}.
absl::Status ParseEventSinks(absl::string_view text, std::map<std::string, std::string>& out);

}  // namespace shopcast::startup

// The flags behind ServiceConfig's common fields. `service` is the certificate's CN (and the
// SHOPCAST_<SERVICE>_* environment prefix); `internal_rpcs` says what the internal listener
// serves, for --help.
#define SHOPCAST_SERVICE_FLAGS(service, grpc_default, metrics_default, internal_default,          \
                               internal_rpcs)                                                     \
  ABSL_FLAG(std::string, grpc_addr, grpc_default, "gRPC listen address");                         \
  ABSL_FLAG(std::string, metrics_addr, metrics_default, "Prometheus /metrics listen address");    \
  ABSL_FLAG(std::string, internal_grpc_addr, internal_default,                                    \
            "internal gRPC listen address (" internal_rpcs "; mutual TLS)");                      \
  ABSL_FLAG(std::string, service_ca_file, "", "PEM of the internal CA that signs service certs"); \
  ABSL_FLAG(std::string, service_cert_file, "",                                                   \
            "PEM certificate of this service (CN=" service ")");                                  \
  ABSL_FLAG(std::string, service_key_file, "", "PEM private key of service_cert_file");           \
  ABSL_FLAG(std::string, db_dsn, "", "libpq connection string (no password; use PGPASSWORD)");    \
  ABSL_FLAG(int, db_pool_size, 8, "database connections (also the blocking-work threads)");       \
  ABSL_FLAG(std::string, verify_key_files, "",                                                    \
            "comma-separated PEM public keys that access tokens are verified with");              \
  ABSL_FLAG(std::string, token_issuer, "shopcast-user", "expected iss claim of access tokens");   \
  ABSL_FLAG(std::string, token_audience, "shopcast", "expected aud claim of access tokens");      \
  ABSL_FLAG(std::string, user_internal_addr, "",                                                  \
            "host:port of the user service's internal listener (token revocations)");             \
  ABSL_FLAG(absl::Duration, revocation_sync_interval, absl::Seconds(1),                           \
            "how often the token revocation list is pulled from the user service");               \
  ABSL_FLAG(absl::Duration, revocation_long_poll, absl::Seconds(30),                              \
            "how long the user service may hold a pull of revocations (0..60s; 0: poll)");        \
  ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),                                     \
            "how long in-flight calls may run after SIGTERM");                                    \
  ABSL_FLAG(absl::Duration, shutdown_unready_delay, absl::ZeroDuration(),                         \
            "after SIGTERM: readiness off while still serving this long, then drain");            \
  ABSL_FLAG(std::string, log_level, "info", "debug, info, warn or error")

#define SHOPCAST_PAGE_TOKEN_FLAG()                \
  ABSL_FLAG(std::string, page_token_key_file, "", \
            "file holding the key (>= 32 bytes) that seals list page tokens")

#define SHOPCAST_EVENT_SINKS_FLAG(example) \
  ABSL_FLAG(std::string, event_sinks, "",  \
            "outbox destination=host:port pairs, comma-separated (" example ")")
