#pragma once

// SQL of the room log and the room state it keeps (migrations/V001). Prepared on every pooled
// connection under the names in PreparedStatements().

#include <string>
#include <utility>
#include <vector>

namespace shopcast::realtime_push::rooms::sql {

// Room rows.
inline constexpr char kOpenRoom[] = R"~(
INSERT INTO rooms (stream_id, host_id, title, opened_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (stream_id) DO NOTHING)~";
inline constexpr char kRetitleRoom[] = "UPDATE rooms SET title = $2 WHERE stream_id = $1";
inline constexpr char kSelectRoom[] = R"~(
SELECT host_id, title, status, head_seq, (extract(epoch FROM opened_at) * 1000000)::bigint,
       (extract(epoch FROM closed_at) * 1000000)::bigint
FROM rooms WHERE stream_id = $1)~";
inline constexpr char kLockRoom[] = R"~(
SELECT head_seq, closed_at IS NOT NULL FROM rooms WHERE stream_id = $1 FOR UPDATE)~";
inline constexpr char kCloseRoom[] = R"~(
UPDATE rooms SET closed_at = $2 WHERE stream_id = $1 AND closed_at IS NULL)~";
inline constexpr char kSelectHeads[] = R"~(
SELECT stream_id, head_seq FROM rooms WHERE stream_id = ANY($1::text[]))~";

// The log.
inline constexpr char kSelectByEventId[] = R"~(
SELECT seq FROM room_events WHERE stream_id = $1 AND event_id = $2)~";
inline constexpr char kInsertEvent[] = R"~(
INSERT INTO room_events (stream_id, seq, event_id, kind, event) VALUES ($1, $2, $3, $4, $5))~";
inline constexpr char kAdvanceHead[] = "UPDATE rooms SET head_seq = $2 WHERE stream_id = $1";
// Wakes this service's other replicas (and our own listener) at commit.
inline constexpr char kNotify[] = "SELECT pg_notify('shopcast_room_events', $1)";
inline constexpr char kReadAfter[] = R"~(
SELECT seq, kind, event FROM room_events WHERE stream_id = $1 AND seq > $2 ORDER BY seq LIMIT $3)~";
inline constexpr char kOldestSeq[] = R"~(
SELECT min(seq) FROM room_events WHERE stream_id = $1)~";
// Retention: beyond the last $1 events of its room, or older than $2.
inline constexpr char kPurge[] = R"~(
DELETE FROM room_events e USING rooms r
WHERE e.stream_id = r.stream_id AND (e.seq <= r.head_seq - $1 OR e.recorded_at < $2))~";

// Group commit (batch_append.cc): one statement per step for a whole batch, the batch's
// columns passed as arrays so the text is fixed and prepared once.
inline constexpr char kLockRooms[] = R"~(
SELECT stream_id, head_seq, closed_at IS NOT NULL FROM rooms WHERE stream_id = ANY($1::text[])
ORDER BY stream_id FOR UPDATE)~";
// One unique-index probe per requested id (the LIMIT keeps the planner from flattening the
// lookup into a join it may plan as a scan of the whole log: a plan cached while room_events
// was nearly empty did exactly that, reading every stored event at every Publish until the
// next ANALYZE).
inline constexpr char kSelectEventIds[] = R"~(
SELECT k.stream_id, k.event_id, e.seq
FROM unnest($1::text[], $2::text[]) AS k(stream_id, event_id)
CROSS JOIN LATERAL (SELECT seq FROM room_events e
                    WHERE e.stream_id = k.stream_id AND e.event_id = k.event_id LIMIT 1) e)~";
inline constexpr char kInsertEvents[] = R"~(
INSERT INTO room_events (stream_id, seq, event_id, kind, event)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::bytea[]))~";
// Moves each room's head and wakes the replicas, one notification per room: a replica loads
// everything up to the head it is told of.
// Rooms are found through their key (= ANY), never by joining the arrays: a join's cached
// plan may scan every room.
inline constexpr char kAdvanceHeadsAndNotify[] = R"~(
WITH moved AS (
  UPDATE rooms r SET head_seq = ($2::bigint[])[array_position($1::text[], r.stream_id)]
  WHERE r.stream_id = ANY($1::text[])
  RETURNING r.stream_id, r.head_seq)
SELECT pg_notify('shopcast_room_events', 'd ' || stream_id || ' ' || head_seq) FROM moved)~";
// Rows are distinct per (stream, product): the caller folds them first.
inline constexpr char kUpsertCards[] = R"~(
INSERT INTO room_products (stream_id, product_id, card, version, added_seq)
SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bigint[], $5::bigint[])
ON CONFLICT (stream_id, product_id) DO UPDATE SET card = EXCLUDED.card, version = EXCLUDED.version
WHERE room_products.version <= EXCLUDED.version)~";

// Publish's one-statement path (batch_append.cc): a whole batch in one autocommitted
// statement, one round trip instead of a transaction's seven, when the appender already knows
// each room's head from its own last commit. The caller numbered the events from those heads
// ($1 rooms in stream id order, $2 the heads it expects, $3 the heads after the batch), so the
// statement writes only if every room is open and still at its expected head (checked under
// the row lock, taken in stream id order: FOR UPDATE re-reads a row another replica moved)
// and no event id is stored already; otherwise it writes nothing and answers false, and the
// caller takes the transaction path. A duplicate committed by another transaction after this
// statement's snapshot moved its room's head, so the head check catches what the snapshot's
// event id check (probed per id, as kSelectEventIds) cannot see. Events $4..$8 as in
// kInsertEvents, cards $9..$13 as in kUpsertCards (folded per room and product). One
// notification per room, as kAdvanceHeadsAndNotify.
inline constexpr char kAppendAtKnownHeads[] = R"~(
WITH locked AS (
  SELECT r.stream_id FROM rooms r
  WHERE r.stream_id = ANY($1::text[]) AND r.closed_at IS NULL
    AND r.head_seq = ($2::bigint[])[array_position($1::text[], r.stream_id)]
  ORDER BY r.stream_id FOR UPDATE OF r),
ok AS (
  SELECT (SELECT count(*) FROM locked) = cardinality($1::text[]) AND NOT EXISTS (
    SELECT 1 FROM unnest($4::text[], $6::text[]) AS k(stream_id, event_id)
    CROSS JOIN LATERAL (SELECT 1 FROM room_events e
                        WHERE e.stream_id = k.stream_id AND e.event_id = k.event_id LIMIT 1) e)
    AS ok),
events AS (
  INSERT INTO room_events (stream_id, seq, event_id, kind, event)
  SELECT e.* FROM unnest($4::text[], $5::bigint[], $6::text[], $7::int[], $8::bytea[]) AS e, ok
  WHERE ok.ok),
cards AS (
  INSERT INTO room_products (stream_id, product_id, card, version, added_seq)
  SELECT c.* FROM unnest($9::text[], $10::text[], $11::bytea[], $12::bigint[], $13::bigint[]) AS c, ok
  WHERE ok.ok
  ON CONFLICT (stream_id, product_id) DO UPDATE SET card = EXCLUDED.card, version = EXCLUDED.version
  WHERE room_products.version <= EXCLUDED.version),
moved AS (
  UPDATE rooms r SET head_seq = ($3::bigint[])[array_position($1::text[], r.stream_id)] FROM ok
  WHERE ok.ok AND r.stream_id = ANY($1::text[])
  RETURNING r.stream_id, r.head_seq)
SELECT ok.ok, (SELECT count(pg_notify('shopcast_room_events', 'd ' || stream_id || ' ' || head_seq))
               FROM moved)
FROM ok)~";

// Room state (projection).
inline constexpr char kSetStatus[] = R"~(
UPDATE rooms SET status = $2, status_event = $3 WHERE stream_id = $1)~";
inline constexpr char kUpsertCard[] = R"~(
INSERT INTO room_products (stream_id, product_id, card, version, added_seq)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (stream_id, product_id) DO UPDATE SET card = EXCLUDED.card, version = EXCLUDED.version
WHERE room_products.version <= EXCLUDED.version)~";
inline constexpr char kSelectCard[] = R"~(
SELECT card, stock_revision FROM room_products WHERE stream_id = $1 AND product_id = $2
FOR UPDATE)~";
inline constexpr char kSaveCardStock[] = R"~(
UPDATE room_products SET card = $3, stock_revision = $4 WHERE stream_id = $1 AND product_id = $2)~";
inline constexpr char kSaveCard[] = R"~(
UPDATE room_products SET card = $3 WHERE stream_id = $1 AND product_id = $2)~";
inline constexpr char kClearPins[] = R"~(
UPDATE room_products SET pin_position = NULL WHERE stream_id = $1 AND pin_position IS NOT NULL)~";
inline constexpr char kSetPin[] = R"~(
UPDATE room_products SET pin_position = $3 WHERE stream_id = $1 AND product_id = $2)~";
inline constexpr char kUpsertAuction[] = R"~(
INSERT INTO room_auctions (stream_id, auction_id, state, version, open) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (stream_id, auction_id) DO UPDATE
SET state = EXCLUDED.state, version = EXCLUDED.version, open = EXCLUDED.open
WHERE room_auctions.version <= EXCLUDED.version)~";

// Snapshot reads.
inline constexpr char kSnapshotRoom[] = R"~(
SELECT status, status_event, head_seq FROM rooms WHERE stream_id = $1)~";
inline constexpr char kSnapshotPinned[] = R"~(
SELECT card FROM room_products WHERE stream_id = $1 AND pin_position IS NOT NULL
ORDER BY pin_position)~";
inline constexpr char kSnapshotProducts[] = R"~(
SELECT card FROM room_products WHERE stream_id = $1 ORDER BY added_seq DESC LIMIT $2)~";
inline constexpr char kSnapshotAuctions[] = R"~(
SELECT state FROM room_auctions WHERE stream_id = $1 AND open ORDER BY auction_id)~";
inline constexpr char kSnapshotEventsOfKind[] = R"~(
SELECT event FROM room_events WHERE stream_id = $1 AND kind = $2 ORDER BY seq DESC LIMIT $3)~";
inline constexpr char kSnapshotChat[] = R"~(
SELECT message FROM chat_messages WHERE stream_id = $1 AND deleted_by IS NULL
ORDER BY seq DESC LIMIT $2)~";
// Reaction and viewer counters (engagement, migrations/V003); no row before the first one.
inline constexpr char kSnapshotEngagement[] = R"~(
SELECT viewers, likes, dislikes FROM room_engagement WHERE stream_id = $1)~";

std::vector<std::pair<std::string, std::string>> PreparedStatements();

}  // namespace shopcast::realtime_push::rooms::sql
