-- Reactions, presence and room stats. Counters live in one row per room, changed by the same
-- transaction that changes a reaction or a presence, so they never drift from the rows they
-- count; the per-minute series is kept as it happens (chat per minute is read from
-- chat_messages). Times come from the service's clock, except the push gates, which use the
-- database's clock so every replica gates against the same one.

CREATE TABLE room_engagement (
  stream_id text PRIMARY KEY REFERENCES rooms (stream_id) ON DELETE CASCADE,
  likes bigint NOT NULL DEFAULT 0 CHECK (likes >= 0),
  dislikes bigint NOT NULL DEFAULT 0 CHECK (dislikes >= 0),
  -- Viewer sessions (role viewer) whose presence is active; the broadcaster is not counted.
  viewers bigint NOT NULL DEFAULT 0 CHECK (viewers >= 0),
  peak_viewers bigint NOT NULL DEFAULT 0,
  -- Grow with every change of the reaction / viewer counts; pushed_* record what the last
  -- coalesced push carried and when (the cross-replica gate: at most one push per interval).
  reactions_version bigint NOT NULL DEFAULT 0,
  reactions_pushed_version bigint NOT NULL DEFAULT 0,
  reactions_pushed_at timestamptz,
  viewers_version bigint NOT NULL DEFAULT 0,
  viewers_pushed_version bigint NOT NULL DEFAULT 0,
  viewers_pushed_at timestamptz
);

-- One reaction per identity per room: 'u:<user id>' for a signed-in user, 's:<session id>' for
-- an anonymous viewer. Withdrawing deletes the row.
CREATE TABLE room_reactions (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  identity text NOT NULL,
  -- shopcast.realtime_push.v1.Reaction: 1 LIKE, 2 DISLIKE.
  reaction smallint NOT NULL CHECK (reaction IN (1, 2)),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (stream_id, identity)
);

-- One row per participant session: (user, session) for a signed-in user, ('', session) for an
-- anonymous one. A session that leaves and joins again keeps its row; watched_us sums its
-- closed intervals, active_since is the start of the open one (NULL while away).
CREATE TABLE room_presence (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  user_id text NOT NULL,
  session_id text NOT NULL,
  -- 1 broadcaster (the room's host), 2 viewer.
  role smallint NOT NULL CHECK (role IN (1, 2)),
  joined_at timestamptz NOT NULL,
  active_since timestamptz,
  last_seen_at timestamptz NOT NULL,
  lease_until timestamptz NOT NULL,
  left_at timestamptz,
  watched_us bigint NOT NULL DEFAULT 0 CHECK (watched_us >= 0),
  PRIMARY KEY (stream_id, user_id, session_id)
);
-- The sweeper's scan: active sessions by lease end.
CREATE INDEX room_presence_lease_idx ON room_presence (lease_until) WHERE active_since IS NOT NULL;

-- The per-minute series. viewers_max: most viewers at once during the minute; viewers_last:
-- the count when the minute's last change happened (carried into quiet minutes).
CREATE TABLE room_minutes (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  minute timestamptz NOT NULL,
  viewers_max bigint NOT NULL DEFAULT 0,
  viewers_last bigint NOT NULL DEFAULT 0,
  likes bigint NOT NULL DEFAULT 0,
  dislikes bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (stream_id, minute)
);
