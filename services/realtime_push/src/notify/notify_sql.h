#pragma once

// SQL of the notifications area (migrations/V004). Prepared on every pooled connection under
// the names in PreparedStatements().

#include <string>
#include <utility>
#include <vector>

namespace shopcast::realtime_push::notify::sql {

// Wakes every replica's subscribers of the user named in the payload, at commit.
inline constexpr char kChannel[] = "shopcast_notifications";

// Inbox.
inline constexpr char kInsert[] = R"~(
INSERT INTO notifications (id, user_id, dedupe_key, kind, title, body, stream_id, product_id,
                           auction_id, order_id, link, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id)~";
inline constexpr char kNotifyUser[] = "SELECT pg_notify('shopcast_notifications', $1)";
#define SHOPCAST_NTF_COLUMNS                                                            \
  "id, user_id, kind, title, body, stream_id, product_id, auction_id, order_id, link, " \
  "(extract(epoch FROM created_at) * 1000000)::bigint, "                                \
  "(extract(epoch FROM read_at) * 1000000)::bigint, "                                   \
  "(extract(epoch FROM expires_at) * 1000000)::bigint"
inline constexpr char kListFirst[] = "SELECT " SHOPCAST_NTF_COLUMNS R"~(
FROM notifications WHERE user_id = $1 AND expires_at > $2 AND (NOT $3 OR read_at IS NULL)
ORDER BY created_at DESC, id DESC LIMIT $4)~";
inline constexpr char kListAfter[] = "SELECT " SHOPCAST_NTF_COLUMNS R"~(
FROM notifications WHERE user_id = $1 AND expires_at > $2 AND (NOT $3 OR read_at IS NULL)
  AND (created_at, id) < ($5::timestamptz, $6)
ORDER BY created_at DESC, id DESC LIMIT $4)~";
inline constexpr char kUnreadCount[] = R"~(
SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL AND expires_at > $2)~";
inline constexpr char kMarkIds[] = R"~(
UPDATE notifications SET read_at = $3
WHERE user_id = $1 AND id = ANY($2::text[]) AND read_at IS NULL)~";
inline constexpr char kMarkUpTo[] = R"~(
UPDATE notifications SET read_at = $3
WHERE user_id = $1 AND created_at <= $2 AND read_at IS NULL)~";
// Every transaction with a smaller txid has ended: rows below it are final.
inline constexpr char kHorizon[] = "SELECT txid_snapshot_xmin(txid_current_snapshot())";
inline constexpr char kReadNew[] = "SELECT " SHOPCAST_NTF_COLUMNS R"~(
FROM notifications WHERE user_id = $1 AND txid >= $2 AND txid < $3 AND expires_at > $4
ORDER BY txid, created_at, id LIMIT $5)~";
#undef SHOPCAST_NTF_COLUMNS
inline constexpr char kPurgeNotifications[] = "DELETE FROM notifications WHERE expires_at <= $1";
inline constexpr char kPurgeEmails[] = R"~(
DELETE FROM notification_emails WHERE created_at <= $1 AND state IN ('sent', 'failed', 'unknown'))~";

// Fan-out jobs.
inline constexpr char kEnqueueFanout[] = R"~(
INSERT INTO notification_fanouts (dedupe_key, host_id, stream_id, title, next_attempt_at,
                                  created_at)
VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (dedupe_key) DO NOTHING)~";
inline constexpr char kClaimFanout[] = R"~(
UPDATE notification_fanouts SET next_attempt_at = $2
WHERE dedupe_key = (SELECT dedupe_key FROM notification_fanouts
                    WHERE done_at IS NULL AND next_attempt_at <= $1
                    ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING dedupe_key, host_id, stream_id, title, after_user_id, failures)~";
inline constexpr char kAdvanceFanout[] = R"~(
UPDATE notification_fanouts
SET after_user_id = $3, batches = batches + 1, failures = 0, last_error = '',
    next_attempt_at = $4, done_at = CASE WHEN $3 = '' THEN $5::timestamptz END
WHERE dedupe_key = $1 AND after_user_id = $2 AND done_at IS NULL)~";
inline constexpr char kDeferFanout[] = R"~(
UPDATE notification_fanouts SET failures = failures + 1, next_attempt_at = $3, last_error = $4
WHERE dedupe_key = $1 AND after_user_id = $2 AND done_at IS NULL)~";
inline constexpr char kPendingFanouts[] =
    "SELECT count(*) FROM notification_fanouts WHERE done_at IS NULL";

// Notifications to one user (notification_personal, V006).
inline constexpr char kEnqueuePersonal[] = R"~(
INSERT INTO notification_personal (user_id, dedupe_key, preference, kind, title, body, stream_id,
                                   product_id, auction_id, order_id, link, next_attempt_at,
                                   created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
ON CONFLICT (user_id, dedupe_key) DO NOTHING)~";
inline constexpr char kClaimPersonal[] = R"~(
UPDATE notification_personal SET next_attempt_at = $2
WHERE (user_id, dedupe_key) = (SELECT user_id, dedupe_key FROM notification_personal
                               WHERE done_at IS NULL AND next_attempt_at <= $1
                               ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING user_id, dedupe_key, preference, kind, title, body, stream_id, product_id,
          auction_id, order_id, link, failures)~";
inline constexpr char kFinishPersonal[] = R"~(
UPDATE notification_personal SET done_at = $4, outcome = $3, last_error = ''
WHERE user_id = $1 AND dedupe_key = $2 AND done_at IS NULL)~";
inline constexpr char kDeferPersonal[] = R"~(
UPDATE notification_personal SET failures = failures + 1, next_attempt_at = $3, last_error = $4
WHERE user_id = $1 AND dedupe_key = $2 AND done_at IS NULL)~";
inline constexpr char kPendingPersonal[] =
    "SELECT count(*) FROM notification_personal WHERE done_at IS NULL";
inline constexpr char kPurgePersonal[] =
    "DELETE FROM notification_personal WHERE done_at IS NOT NULL AND done_at <= $1";

// E-mail outbox.
inline constexpr char kInsertEmail[] = R"~(
INSERT INTO notification_emails (notification_id, to_address, subject, body, next_attempt_at,
                                 created_at)
VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (notification_id) DO NOTHING)~";
// Pending e-mails past their send_before (an account e-mail whose link has expired) end as
// failed, text erased, in the same statement.
inline constexpr char kClaimEmails[] = R"~(
WITH expired AS (
  UPDATE notification_emails
  SET state = 'failed', last_error = 'LINK_EXPIRED', finished_at = $1, body = ''
  WHERE state = 'pending' AND send_before <= $1)
UPDATE notification_emails SET state = 'sending', attempts = attempts + 1, lease_until = $2
WHERE notification_id IN (SELECT notification_id FROM notification_emails
                          WHERE state = 'pending' AND next_attempt_at <= $1
                            AND (send_before IS NULL OR send_before > $1)
                          ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING notification_id, to_address, subject, body, attempts)~";
// A sensitive e-mail's text (a reset link) is erased once it is done with.
inline constexpr char kFinishEmail[] = R"~(
UPDATE notification_emails SET state = $2, last_error = $3, finished_at = $4, lease_until = NULL,
                               body = CASE WHEN sensitive THEN '' ELSE body END
WHERE notification_id = $1 AND state = 'sending')~";
inline constexpr char kRetryEmail[] = R"~(
UPDATE notification_emails
SET state = 'pending', next_attempt_at = $2, last_error = $3, lease_until = NULL
WHERE notification_id = $1 AND state = 'sending')~";
// A sender lost mid-send may have delivered: its e-mails end as unknown, never resent.
inline constexpr char kReapLostEmails[] = R"~(
UPDATE notification_emails
SET state = 'unknown', last_error = 'SENDER_LOST', finished_at = $1, lease_until = NULL,
    body = CASE WHEN sensitive THEN '' ELSE body END
WHERE state = 'sending' AND lease_until < $1)~";
// An e-mail about the account itself: no inbox entry; sent before $6 or never; erased once done.
inline constexpr char kInsertAccountEmail[] = R"~(
INSERT INTO notification_emails (notification_id, to_address, subject, body, next_attempt_at,
                                 created_at, send_before, sensitive)
VALUES ($1, $2, $3, $4, $5, $5, $6, true))~";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::realtime_push::notify::sql
