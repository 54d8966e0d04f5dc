#pragma once

// The user service's configuration, from flags with SHOPCAST_USER_* environment fallback.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/auth/service_identity.h"
#include "shopcast/log/log.h"

namespace shopcast::user {

struct Config {
  std::string grpc_addr;
  std::string metrics_addr;
  // libpq connection string without the password; the password comes from PGPASSWORD or
  // PGPASSFILE (a mounted Secret), never from a flag.
  std::string db_dsn;
  int db_pool_size = 8;
  std::string signing_key_file;               // PEM, EC P-256 private key
  std::vector<std::string> verify_key_files;  // PEM public keys of previous signing keys
  // Services (certificate names) allowed to read followers' e-mail (ListFollowerContacts).
  std::vector<std::string> follower_contacts_peers;
  // Key that seals page tokens (libs/pagetoken): a file, like the signing key, never a flag's
  // value. Every replica must load the same one. Required by `serve` only.
  std::string page_token_key_file;
  // Argon2id hashes running at once (each 19 MiB); more wait briefly, then are refused.
  int max_concurrent_hashes = 4;
  // Registrations one address may make before each further one waits (README).
  int registrations_per_address = 10;
  std::string token_issuer;
  std::string token_audience;
  absl::Duration access_token_ttl;
  absl::Duration refresh_token_ttl;
  absl::Duration drain_timeout;
  absl::Duration shutdown_unready_delay;  // readiness off, still serving, before the drain
  // Internal listener (UserInternalService, mutual TLS) and this service's credential.
  std::string internal_grpc_addr;
  auth::ServiceTlsFiles service_tls;
  absl::Duration revocation_sync_interval;
  // Outbox destinations (destination -> host:port of its internal listener): realtime_push
  // mails password resets. Without it reset e-mails wait in the outbox.
  std::map<std::string, std::string> event_sinks;
  // A reset link works this long, once; at most this many reset e-mails per account an hour.
  absl::Duration password_reset_ttl;
  int password_resets_per_hour = 3;
  absl::Duration email_verification_ttl;
  int email_verifications_per_hour = 3;
  // Delivered outbox events (they carry reset tokens) are deleted this long after delivery.
  absl::Duration outbox_retain_delivered;
  log::Level log_level = log::Level::kInfo;
};

// Reads the parsed flags into a Config; an absent or malformed value is an error naming it.
absl::StatusOr<Config> LoadConfig();

}  // namespace shopcast::user
