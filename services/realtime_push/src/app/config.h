#pragma once

// realtime-push's configuration, from flags with SHOPCAST_REALTIME_PUSH_* environment fallback.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shopcast/startup/service_config.h"

namespace shopcast::realtime_push {

// The shared settings (listeners, TLS, database, tokens, revocations, shutdown, logging) come
// from startup::ServiceConfig; the rooms' and the areas' own follow. The internal listener
// serves Publish, Notify and EventSink.
struct Config : startup::ServiceConfig {
  // Room log retention: an event stays while among its room's last retain_events and younger
  // than retain_age; a subscriber resuming from before that gets a snapshot.
  int64_t retain_events = 10000;
  absl::Duration retain_age;
  absl::Duration purge_interval;
  // Fan-out: events each replica keeps per room in memory, and how far a live subscriber may
  // trail them before it is resynced.
  int feed_ring = 4096;
  int max_subscriber_lag = 1024;
  // Published events appended in one transaction at most (group commit).
  int publish_batch_max = 256;
  absl::Duration publish_linger = absl::ZeroDuration();
  int combine_wakeups_from = 0;
  // Rooms with at most this many subscribers here may be woken by gRPC's callback threads.
  int help_wakeups_up_to = 1000;
  absl::Duration keep_alive;
  // Fallback for missed notifications: how often watched rooms' heads are re-read.
  absl::Duration feed_poll_interval;
  // How long subscriptions of an ended room stay open for its last events.
  absl::Duration end_linger;
  // How long a room's head and snapshot, once read, start further subscribers from memory.
  absl::Duration subscribe_cache_ttl = absl::Milliseconds(500);

  // ---- engagement ----
  // Presence: clients heartbeat this often; a session stops counting this long after its last
  // heartbeat; lapsed sessions are ended this often.
  absl::Duration heartbeat_interval = absl::Seconds(15);
  absl::Duration presence_lease = absl::Seconds(45);
  absl::Duration presence_sweep_interval = absl::Seconds(5);
  // At most one push of a room's reaction counts (and of its viewer counts) per interval,
  // across replicas.
  absl::Duration counts_push_interval = absl::Milliseconds(250);
  // ---- notifications ----
  // Inbox entries are removed this long after creation.
  absl::Duration notification_ttl = absl::Hours(24 * 30);
  absl::Duration notification_purge_interval = absl::Hours(1);
  // Live inbox subscribers re-read this often (fallback for missed NOTIFYs; keep-alive clock),
  // and are cut once more than notification_max_lag entries behind.
  absl::Duration notification_poll_interval = absl::Seconds(2);
  int notification_max_lag = 256;
  // Go-live fan-out: followers read per page (1..1000), how often due jobs are looked for.
  int follower_page_size = 500;
  absl::Duration fanout_interval = absl::Seconds(1);
  // A job's lease, renewed with every page: how long a job of a replica that died waits
  // before another resumes it. Longer than one page takes.
  absl::Duration fanout_lease = absl::Seconds(60);
  // The web app's address, prefixed to the links in e-mails ("" keeps app paths).
  std::string web_base_url;
  // E-mail: empty smtp_url = off. The password comes from a file, never a flag.
  std::string smtp_url;
  std::string smtp_from;
  std::string smtp_username;
  std::string smtp_password_file;
  bool smtp_require_starttls = false;
  std::string smtp_ca_file;
  absl::Duration email_interval = absl::Seconds(1);
  int email_max_attempts = 10;

  // ---- chat ----
  // The per-user flood limit: a burst of chat_rate_burst messages, then one per
  // chat_rate_interval (shared by every replica; chat/rate_limit.h).
  int chat_rate_burst = 5;
  absl::Duration chat_rate_interval = absl::Seconds(1);
};

// Reads the parsed flags into a Config; an absent or malformed value is an error naming it.
absl::StatusOr<Config> LoadConfig();

}  // namespace shopcast::realtime_push
