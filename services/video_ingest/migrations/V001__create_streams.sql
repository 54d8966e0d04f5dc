-- Streams (shows), their encoder sessions and closed live segments. Enum columns hold the proto
-- enum numbers (shopcast.common.v1.StreamStatus, shopcast.video_ingest.v1.*); times are
-- written from the service's clock, never from the database's now(), so tests can drive time.
-- Exact conversions between timestamptz and the microseconds since the epoch the service uses.
CREATE FUNCTION us_to_ts(bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT 'epoch'::timestamptz + $1 * interval '1 microsecond' $$;
CREATE FUNCTION ts_to_us(timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT (extract(epoch FROM $1) * 1000000)::bigint $$;

CREATE TABLE streams (
  id text PRIMARY KEY,
  host_id text NOT NULL,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  tags text[] NOT NULL DEFAULT '{}',
  -- PREPARING 1, LIVE 2, RECONNECTING 3, ENDED 4, ERROR 5.
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 5),
  error_reason smallint NOT NULL DEFAULT 0 CHECK (error_reason BETWEEN 0 AND 8),
  end_reason smallint NOT NULL DEFAULT 0 CHECK (end_reason BETWEEN 0 AND 5),
  recording_choice smallint NOT NULL DEFAULT 0 CHECK (recording_choice BETWEEN 0 AND 3),
  scheduled_start_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  went_live_at timestamptz,
  ended_at timestamptz,
  reconnect_deadline timestamptz,
  -- Lower-case hex SHA-256 of the stream key: the key itself is never stored.
  key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  key_hint text NOT NULL,
  key_issued_at timestamptz NOT NULL,
  version bigint NOT NULL DEFAULT 1,
  active_session_id text,
  idempotency_key text NOT NULL,
  -- The next segment's media sequence and media-timeline position (continued on reconnect).
  next_sequence bigint NOT NULL DEFAULT 0 CHECK (next_sequence >= 0),
  media_offset_us bigint NOT NULL DEFAULT 0 CHECK (media_offset_us >= 0),
  -- ForceEndStream's stated reason, for the audit trail.
  force_end_note text,
  CONSTRAINT streams_idempotency_key UNIQUE (host_id, idempotency_key),
  CONSTRAINT streams_terminal_has_end CHECK (status < 4 OR ended_at IS NOT NULL),
  CONSTRAINT streams_reconnecting_has_deadline CHECK (status <> 3 OR reconnect_deadline IS NOT NULL)
);

-- ListLiveStreams: LIVE and RECONNECTING, most recently live first.
CREATE INDEX streams_live_idx ON streams (went_live_at DESC, id DESC) WHERE status IN (2, 3);
-- ListUpcomingStreams: PREPARING with a schedule, soonest first.
CREATE INDEX streams_upcoming_idx ON streams (scheduled_start_at, id)
  WHERE status = 1 AND scheduled_start_at IS NOT NULL;
-- ListMyStreams (newest first) and the per-host open-stream limit.
CREATE INDEX streams_host_idx ON streams (host_id, created_at DESC, id DESC);
-- The tag filter of the public lists.
CREATE INDEX streams_tags_idx ON streams USING gin (tags);
-- ExpireGracePeriods.
CREATE INDEX streams_reconnect_deadline_idx ON streams (reconnect_deadline) WHERE status = 3;

CREATE TABLE ingest_sessions (
  id text PRIMARY KEY,
  stream_id text NOT NULL REFERENCES streams (id),
  protocol smallint NOT NULL CHECK (protocol IN (1, 2)),
  remote_address text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason smallint NOT NULL DEFAULT 0 CHECK (end_reason BETWEEN 0 AND 5),
  error_reason smallint NOT NULL DEFAULT 0 CHECK (error_reason BETWEEN 0 AND 8),
  video_codec text NOT NULL DEFAULT '',
  width integer NOT NULL DEFAULT 0,
  height integer NOT NULL DEFAULT 0,
  frame_rate double precision NOT NULL DEFAULT 0,
  audio_codec text NOT NULL DEFAULT '',
  audio_sample_rate integer NOT NULL DEFAULT 0,
  audio_channels integer NOT NULL DEFAULT 0,
  codecs text NOT NULL DEFAULT '',
  bitrate_kbps integer NOT NULL DEFAULT 0,
  bytes_received bigint NOT NULL DEFAULT 0,
  segments_written bigint NOT NULL DEFAULT 0,
  last_media_at timestamptz
);

-- A stream's latest session (GetStream's current_session).
CREATE INDEX ingest_sessions_stream_idx ON ingest_sessions (stream_id, started_at DESC, id DESC);
-- RecoverOpenSessions.
CREATE INDEX ingest_sessions_open_idx ON ingest_sessions (started_at) WHERE ended_at IS NULL;

CREATE TABLE segments (
  stream_id text NOT NULL REFERENCES streams (id),
  sequence bigint NOT NULL CHECK (sequence >= 0),
  session_id text NOT NULL REFERENCES ingest_sessions (id),
  program_date_time timestamptz NOT NULL,
  duration_us bigint NOT NULL CHECK (duration_us >= 0),
  media_offset_us bigint NOT NULL CHECK (media_offset_us >= 0),
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  path text NOT NULL,
  discontinuity boolean NOT NULL DEFAULT false,
  PRIMARY KEY (stream_id, sequence)
);
