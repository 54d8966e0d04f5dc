#include "app/config.h"

#include "absl/flags/flag.h"
#include "notify/notification.h"
#include "shopcast/status/status.h"

SHOPCAST_SERVICE_FLAGS("realtime-push", "0.0.0.0:50054", "0.0.0.0:9094", "0.0.0.0:50055",
                       "Publish, Notify, EventSink");
ABSL_FLAG(int64_t, retain_events, 10000, "room events kept per room for resuming subscribers");
ABSL_FLAG(absl::Duration, retain_age, absl::Hours(24), "room events older than this are purged");
ABSL_FLAG(absl::Duration, purge_interval, absl::Minutes(1), "how often retention runs");
ABSL_FLAG(int, feed_ring, 4096, "recent events each replica keeps in memory per watched room");
ABSL_FLAG(int, publish_batch_max, 256,
          "published events appended in one transaction at most (group commit)");
ABSL_FLAG(int, combine_wakeups_from, 0,
          "rooms with at least this many subscribers on a replica wake them in gRPC's context, "
          "so their writes to one connection go out together (0: every room); smaller rooms "
          "are woken on the thread that learnt of the event");
ABSL_FLAG(int, help_wakeups_up_to, 1000,
          "rooms with at most this many subscribers on a replica may be woken by gRPC's "
          "callback threads in callbacks they run anyway (a write completed, a Publish "
          "arrived), so the fan-out runs on every core; larger rooms are walked on their own "
          "(0: no room)");
ABSL_FLAG(absl::Duration, publish_linger, absl::ZeroDuration(),
          "how long a Publish batch waits for more events before it commits (group commit; 0: "
          "it goes at once)");
ABSL_FLAG(int, max_subscriber_lag, 1024,
          "events a subscriber may trail the room by before it gets a fresh snapshot instead");
ABSL_FLAG(absl::Duration, keep_alive, absl::Seconds(15),
          "a subscriber idle this long gets a keep-alive");
ABSL_FLAG(absl::Duration, feed_poll_interval, absl::Seconds(1),
          "how often watched rooms' heads are re-read (fallback for missed notifications)");
ABSL_FLAG(absl::Duration, subscribe_cache_ttl, absl::Milliseconds(500),
          "how long a room's head and snapshot, once read, serve further subscribers (0: never)");
ABSL_FLAG(absl::Duration, end_linger, absl::Seconds(2),
          "how long subscriptions of an ended room stay open for its last events");

// ---- engagement ----
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(15),
          "how often present clients are told to heartbeat");
ABSL_FLAG(absl::Duration, presence_lease, absl::Seconds(45),
          "a session stops counting this long after its last heartbeat");
ABSL_FLAG(absl::Duration, presence_sweep_interval, absl::Seconds(5),
          "how often sessions whose lease lapsed are ended");
ABSL_FLAG(absl::Duration, counts_push_interval, absl::Milliseconds(250),
          "at most one push of a room's reaction (and viewer) counts per interval");
// ---- notifications ----
ABSL_FLAG(absl::Duration, notification_ttl, absl::Hours(24 * 30),
          "inbox entries are removed this long after creation");
ABSL_FLAG(absl::Duration, notification_purge_interval, absl::Hours(1),
          "how often expired inbox entries are purged");
ABSL_FLAG(absl::Duration, notification_poll_interval, absl::Seconds(2),
          "how often live inbox subscribers re-read (fallback for missed notifications)");
ABSL_FLAG(int, notification_max_lag, 256,
          "entries a SubscribeNotifications client may trail by before it is cut");
ABSL_FLAG(int, follower_page_size, 500, "followers read per page by the go-live fan-out");
ABSL_FLAG(absl::Duration, fanout_lease, absl::Seconds(60),
          "a go-live fan-out job's lease, renewed each page: how long a dead replica's job waits");
ABSL_FLAG(absl::Duration, fanout_interval, absl::Seconds(1),
          "how often due go-live fan-out jobs are looked for");
ABSL_FLAG(std::string, web_base_url, "",
          "the web app's address (http(s)://host[:port][/path]), so links in e-mails open it; "
          "empty: e-mails carry app paths");
ABSL_FLAG(std::string, smtp_url, "",
          "smtp://host:port or smtps://host:port of the mail relay; empty: no e-mail");
ABSL_FLAG(std::string, smtp_from, "", "From address of notification e-mails");
ABSL_FLAG(std::string, smtp_username, "", "SMTP AUTH user; empty: no AUTH");
ABSL_FLAG(std::string, smtp_password_file, "", "file holding the SMTP AUTH password");
ABSL_FLAG(bool, smtp_require_starttls, false, "smtp:// only: refuse to send without STARTTLS");
ABSL_FLAG(std::string, smtp_ca_file, "", "PEM bundle to verify the relay; empty: system CAs");
ABSL_FLAG(absl::Duration, email_interval, absl::Seconds(1),
          "how often due notification e-mails are looked for");
ABSL_FLAG(int, email_max_attempts, 10,
          "sends of one e-mail (temporary failures) before it is given up");

// ---- chat ----
ABSL_FLAG(int, chat_rate_burst, 5, "chat messages a user may send at once (1..100)");
ABSL_FLAG(absl::Duration, chat_rate_interval, absl::Seconds(1),
          "after a burst, one more chat message per this interval (10ms..1h)");

namespace shopcast::realtime_push {

absl::StatusOr<Config> LoadConfig() {
  Config c;
  RETURN_IF_ERROR(startup::ReadServiceConfig(c));
  c.retain_events = absl::GetFlag(FLAGS_retain_events);
  c.retain_age = absl::GetFlag(FLAGS_retain_age);
  c.purge_interval = absl::GetFlag(FLAGS_purge_interval);
  c.feed_ring = absl::GetFlag(FLAGS_feed_ring);
  c.max_subscriber_lag = absl::GetFlag(FLAGS_max_subscriber_lag);
  c.publish_batch_max = absl::GetFlag(FLAGS_publish_batch_max);
  c.publish_linger = absl::GetFlag(FLAGS_publish_linger);
  c.combine_wakeups_from = absl::GetFlag(FLAGS_combine_wakeups_from);
  c.help_wakeups_up_to = absl::GetFlag(FLAGS_help_wakeups_up_to);
  c.keep_alive = absl::GetFlag(FLAGS_keep_alive);
  c.feed_poll_interval = absl::GetFlag(FLAGS_feed_poll_interval);
  c.end_linger = absl::GetFlag(FLAGS_end_linger);
  c.subscribe_cache_ttl = absl::GetFlag(FLAGS_subscribe_cache_ttl);

  if (c.retain_events < 1 || c.retain_age < absl::Minutes(1) ||
      c.purge_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "retain_events must be >= 1, retain_age >= 1m and purge_interval >= 1s");
  }
  if (c.feed_ring < 16 || c.max_subscriber_lag < 1 || c.max_subscriber_lag >= c.feed_ring) {
    return absl::InvalidArgumentError(
        "feed_ring must be >= 16 and max_subscriber_lag between 1 and feed_ring - 1");
  }
  if (c.subscribe_cache_ttl < absl::ZeroDuration() || c.subscribe_cache_ttl > absl::Seconds(10)) {
    return absl::InvalidArgumentError("subscribe_cache_ttl must be 0..10s");
  }
  if (c.publish_batch_max < 1 || c.publish_batch_max > 1000) {
    return absl::InvalidArgumentError("publish_batch_max must be 1..1000");
  }
  if (c.combine_wakeups_from < 0) {
    return absl::InvalidArgumentError("combine_wakeups_from must be >= 0");
  }
  if (c.help_wakeups_up_to < 0) {
    return absl::InvalidArgumentError("help_wakeups_up_to must be >= 0");
  }
  if (c.publish_linger < absl::ZeroDuration() || c.publish_linger > absl::Milliseconds(50)) {
    return absl::InvalidArgumentError("publish_linger must be 0..50ms");
  }
  if (c.feed_poll_interval < absl::Milliseconds(50) || c.end_linger < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("feed_poll_interval must be >= 50ms and end_linger >= 0");
  }
  if (c.keep_alive < absl::Seconds(1)) {
    return absl::InvalidArgumentError("keep_alive must be >= 1s");
  }

  // ---- engagement ----
  c.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  c.presence_lease = absl::GetFlag(FLAGS_presence_lease);
  c.presence_sweep_interval = absl::GetFlag(FLAGS_presence_sweep_interval);
  c.counts_push_interval = absl::GetFlag(FLAGS_counts_push_interval);
  if (c.heartbeat_interval < absl::Seconds(1) || c.presence_lease < 2 * c.heartbeat_interval) {
    return absl::InvalidArgumentError(
        "heartbeat_interval must be >= 1s and presence_lease at least twice it");
  }
  if (c.presence_sweep_interval < absl::Milliseconds(50) ||
      c.counts_push_interval < absl::Milliseconds(50)) {
    return absl::InvalidArgumentError(
        "presence_sweep_interval and counts_push_interval must be >= 50ms");
  }
  // ---- notifications ----
  c.notification_ttl = absl::GetFlag(FLAGS_notification_ttl);
  c.notification_purge_interval = absl::GetFlag(FLAGS_notification_purge_interval);
  c.notification_poll_interval = absl::GetFlag(FLAGS_notification_poll_interval);
  c.notification_max_lag = absl::GetFlag(FLAGS_notification_max_lag);
  c.follower_page_size = absl::GetFlag(FLAGS_follower_page_size);
  c.fanout_interval = absl::GetFlag(FLAGS_fanout_interval);
  c.fanout_lease = absl::GetFlag(FLAGS_fanout_lease);
  if (c.fanout_lease < absl::Seconds(1)) {
    return absl::InvalidArgumentError("fanout_lease must be >= 1s");
  }
  c.web_base_url = absl::GetFlag(FLAGS_web_base_url);
  if (!notify::IsWebBaseUrl(c.web_base_url)) {
    return absl::InvalidArgumentError(
        "web_base_url must be empty or http(s)://host[:port][/path] (printable ASCII, no query, "
        "no final '/', at most 200 bytes)");
  }
  c.smtp_url = absl::GetFlag(FLAGS_smtp_url);
  c.smtp_from = absl::GetFlag(FLAGS_smtp_from);
  c.smtp_username = absl::GetFlag(FLAGS_smtp_username);
  c.smtp_password_file = absl::GetFlag(FLAGS_smtp_password_file);
  c.smtp_require_starttls = absl::GetFlag(FLAGS_smtp_require_starttls);
  c.smtp_ca_file = absl::GetFlag(FLAGS_smtp_ca_file);
  c.email_interval = absl::GetFlag(FLAGS_email_interval);
  c.email_max_attempts = absl::GetFlag(FLAGS_email_max_attempts);
  if (c.notification_ttl < absl::Hours(1) || c.notification_purge_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "notification_ttl must be >= 1h and notification_purge_interval >= 1s");
  }
  if (c.notification_poll_interval < absl::Milliseconds(50) || c.notification_max_lag < 1) {
    return absl::InvalidArgumentError(
        "notification_poll_interval must be >= 50ms and notification_max_lag >= 1");
  }
  if (c.follower_page_size < 1 || c.follower_page_size > 1000 ||
      c.fanout_interval < absl::Milliseconds(50) || c.email_interval < absl::Milliseconds(50)) {
    return absl::InvalidArgumentError(
        "follower_page_size must be 1..1000, fanout_interval and email_interval >= 50ms");
  }
  if (c.email_max_attempts < 1) {
    return absl::InvalidArgumentError("email_max_attempts must be >= 1");
  }
  if (!c.smtp_url.empty() && c.smtp_from.empty()) {
    return absl::InvalidArgumentError("smtp_from is required with smtp_url");
  }

  // ---- chat ----
  c.chat_rate_burst = absl::GetFlag(FLAGS_chat_rate_burst);
  c.chat_rate_interval = absl::GetFlag(FLAGS_chat_rate_interval);
  if (c.chat_rate_burst < 1 || c.chat_rate_burst > 100 ||
      c.chat_rate_interval < absl::Milliseconds(10) || c.chat_rate_interval > absl::Hours(1)) {
    return absl::InvalidArgumentError(
        "chat_rate_burst must be 1..100 and chat_rate_interval 10ms..1h");
  }
  return c;
}

}  // namespace shopcast::realtime_push
