#pragma once

// SQL of reactions, presence, the coalesced pushes and room stats (migrations/V003). Prepared on
// every pooled connection under the names in PreparedStatements(). Times are passed in as
// parameters (the service's clock) except the push gates, which use the database's clock.

#include <string>
#include <utility>
#include <vector>

namespace shopcast::realtime_push::engagement::sql {

// Rooms and the per-room counter row.
inline constexpr char kRoomState[] = R"~(
SELECT host_id, closed_at IS NOT NULL FROM rooms WHERE stream_id = $1)~";
inline constexpr char kEnsureCounters[] = R"~(
INSERT INTO room_engagement (stream_id) VALUES ($1) ON CONFLICT (stream_id) DO NOTHING)~";
// Serializes a room's reaction changes: the counters and the rows they count move together.
inline constexpr char kLockCounters[] = R"~(
SELECT likes, dislikes, reactions_version, viewers FROM room_engagement WHERE stream_id = $1
FOR UPDATE)~";
inline constexpr char kReadCounters[] = R"~(
SELECT likes, dislikes, reactions_version, viewers, peak_viewers, viewers_version
FROM room_engagement WHERE stream_id = $1)~";

// Reactions.
inline constexpr char kSelectReaction[] = R"~(
SELECT reaction FROM room_reactions WHERE stream_id = $1 AND identity = $2)~";
inline constexpr char kUpsertReaction[] = R"~(
INSERT INTO room_reactions (stream_id, identity, reaction, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (stream_id, identity) DO UPDATE
SET reaction = EXCLUDED.reaction, updated_at = EXCLUDED.updated_at)~";
inline constexpr char kDeleteReaction[] = R"~(
DELETE FROM room_reactions WHERE stream_id = $1 AND identity = $2)~";
inline constexpr char kAddReactionCounts[] = R"~(
UPDATE room_engagement
SET likes = likes + $2, dislikes = dislikes + $3, reactions_version = reactions_version + 1
WHERE stream_id = $1 RETURNING likes, dislikes, reactions_version)~";
// $3 the current viewers (a new minute row starts from them), $4/$5 reactions set this change.
inline constexpr char kMinuteReaction[] = R"~(
INSERT INTO room_minutes (stream_id, minute, viewers_max, viewers_last, likes, dislikes)
VALUES ($1, $2, $3, $3, $4, $5)
ON CONFLICT (stream_id, minute) DO UPDATE
SET likes = room_minutes.likes + EXCLUDED.likes, dislikes = room_minutes.dislikes + EXCLUDED.dislikes)~";

// Presence. Key: (stream_id, user_id or '', session_id).
inline constexpr char kLockPresence[] = R"~(
SELECT active_since IS NOT NULL, role, lease_until < $4 FROM room_presence
WHERE stream_id = $1 AND user_id = $2 AND session_id = $3 FOR UPDATE)~";
inline constexpr char kInsertPresence[] = R"~(
INSERT INTO room_presence
  (stream_id, user_id, session_id, role, joined_at, active_since, last_seen_at, lease_until)
VALUES ($1, $2, $3, $4, $5, $5, $5, $6)
ON CONFLICT (stream_id, user_id, session_id) DO NOTHING RETURNING 1)~";
// Re-joining: a lapsed interval nobody swept yet ends at the last heartbeat; an active one goes
// on; otherwise a new interval starts now.
inline constexpr char kRejoinPresence[] = R"~(
UPDATE room_presence SET
  watched_us = watched_us + CASE WHEN active_since IS NOT NULL AND lease_until < $4
      THEN greatest(0, (extract(epoch FROM last_seen_at - active_since) * 1000000)::bigint)
      ELSE 0 END,
  active_since = CASE WHEN active_since IS NULL OR lease_until < $4 THEN $4 ELSE active_since END,
  last_seen_at = $4, lease_until = $5, left_at = NULL
WHERE stream_id = $1 AND user_id = $2 AND session_id = $3)~";
inline constexpr char kHeartbeat[] = R"~(
UPDATE room_presence p SET last_seen_at = $4, lease_until = $5
FROM rooms r
WHERE p.stream_id = $1 AND p.user_id = $2 AND p.session_id = $3 AND r.stream_id = p.stream_id
  AND r.closed_at IS NULL AND p.active_since IS NOT NULL AND p.lease_until >= $4
RETURNING 1)~";
// Leaving: the interval ends now, or at the last heartbeat if the lease had already lapsed.
inline constexpr char kLeavePresence[] = R"~(
UPDATE room_presence SET
  watched_us = watched_us + greatest(0, (extract(epoch FROM
      (CASE WHEN lease_until < $4 THEN last_seen_at ELSE $4::timestamptz END) - active_since)
      * 1000000)::bigint),
  left_at = CASE WHEN lease_until < $4 THEN last_seen_at ELSE $4::timestamptz END,
  active_since = NULL
WHERE stream_id = $1 AND user_id = $2 AND session_id = $3 AND active_since IS NOT NULL)~";
// Sessions whose lease lapsed before $1, at most $2 of them; rows another replica is sweeping
// (or a session re-joining) are skipped, so replicas sweep side by side without double counts.
inline constexpr char kSweepExpired[] = R"~(
WITH expired AS (
  SELECT stream_id, user_id, session_id FROM room_presence
  WHERE active_since IS NOT NULL AND lease_until < $1
  ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED)
UPDATE room_presence p SET
  watched_us = p.watched_us +
      greatest(0, (extract(epoch FROM p.last_seen_at - p.active_since) * 1000000)::bigint),
  left_at = p.last_seen_at, active_since = NULL
FROM expired e
WHERE p.stream_id = e.stream_id AND p.user_id = e.user_id AND p.session_id = e.session_id
RETURNING p.stream_id, p.role)~";
inline constexpr char kAddViewers[] = R"~(
UPDATE room_engagement SET viewers = viewers + $2,
  peak_viewers = greatest(peak_viewers, viewers + $2), viewers_version = viewers_version + 1
WHERE stream_id = $1 RETURNING viewers - $2, viewers, viewers_version)~";
// $3 viewers before the change, $4 after.
inline constexpr char kMinuteViewers[] = R"~(
INSERT INTO room_minutes (stream_id, minute, viewers_max, viewers_last)
VALUES ($1, $2, greatest($3::bigint, $4::bigint), $4)
ON CONFLICT (stream_id, minute) DO UPDATE
SET viewers_max = greatest(room_minutes.viewers_max, EXCLUDED.viewers_max),
    viewers_last = EXCLUDED.viewers_last)~";

// Coalesced pushes: takes the room's gate if its counts changed since the last push and that
// push is at least $2 seconds old (the database's clock, shared by all replicas).
inline constexpr char kTakeReactionsGate[] = R"~(
UPDATE room_engagement
SET reactions_pushed_at = clock_timestamp(), reactions_pushed_version = reactions_version
WHERE stream_id = $1 AND reactions_pushed_version < reactions_version
  AND (reactions_pushed_at IS NULL
       OR reactions_pushed_at <= clock_timestamp() - make_interval(secs => $2))
RETURNING likes, dislikes, reactions_version)~";
inline constexpr char kTakeViewersGate[] = R"~(
UPDATE room_engagement
SET viewers_pushed_at = clock_timestamp(), viewers_pushed_version = viewers_version
WHERE stream_id = $1 AND viewers_pushed_version < viewers_version
  AND (viewers_pushed_at IS NULL
       OR viewers_pushed_at <= clock_timestamp() - make_interval(secs => $2))
RETURNING viewers, peak_viewers, viewers_version)~";
// When the gate is shut: what the last push carried, and milliseconds until it opens.
inline constexpr char kReactionsGateState[] = R"~(
SELECT reactions_pushed_version, greatest(0, ceil(extract(epoch FROM
    reactions_pushed_at + make_interval(secs => $2) - clock_timestamp()) * 1000))::bigint
FROM room_engagement WHERE stream_id = $1)~";
inline constexpr char kViewersGateState[] = R"~(
SELECT viewers_pushed_version, greatest(0, ceil(extract(epoch FROM
    viewers_pushed_at + make_interval(secs => $2) - clock_timestamp()) * 1000))::bigint
FROM room_engagement WHERE stream_id = $1)~";

// Stats.
inline constexpr char kStatsRoom[] = R"~(
SELECT host_id, (extract(epoch FROM opened_at) * 1000000)::bigint,
       (extract(epoch FROM closed_at) * 1000000)::bigint
FROM rooms WHERE stream_id = $1)~";
// Viewer sessions: distinct identities, their count, and time watched up to $2 (an open
// interval counts to now, or to its last heartbeat once its lease lapsed).
inline constexpr char kStatsWatch[] = R"~(
SELECT count(DISTINCT CASE WHEN user_id = '' THEN 's:' || session_id ELSE 'u:' || user_id END),
       count(*),
       coalesce(sum(watched_us + CASE WHEN active_since IS NULL THEN 0 ELSE greatest(0,
           (extract(epoch FROM (CASE WHEN lease_until < $2 THEN last_seen_at
                                     ELSE $2::timestamptz END) - active_since)
            * 1000000)::bigint) END), 0)::bigint
FROM room_presence WHERE stream_id = $1 AND role = 2)~";
inline constexpr char kStatsChat[] = R"~(
SELECT count(*), count(DISTINCT author_id) FROM chat_messages WHERE stream_id = $1)~";
// Chat messages as first sent: their sent_at makes the per-minute chat series.
inline constexpr char kStatsChatMessages[] = R"~(
SELECT message FROM chat_messages WHERE stream_id = $1)~";
inline constexpr char kStatsMinutes[] = R"~(
SELECT (extract(epoch FROM minute) * 1000000)::bigint, viewers_max, viewers_last, likes, dislikes
FROM room_minutes WHERE stream_id = $1 AND minute >= $2 ORDER BY minute)~";
// The viewers carried into the first minute of the window.
inline constexpr char kStatsViewersBefore[] = R"~(
SELECT viewers_last FROM room_minutes WHERE stream_id = $1 AND minute < $2
ORDER BY minute DESC LIMIT 1)~";
// The stream's sales still counted (the order service's events, V006), per currency.
inline constexpr char kStatsSales[] = R"~(
SELECT currency, sum(quantity)::bigint, sum(amount_minor)::bigint, count(*)
FROM room_sales WHERE stream_id = $1 AND cancelled_at IS NULL
GROUP BY currency ORDER BY currency)~";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::realtime_push::engagement::sql
