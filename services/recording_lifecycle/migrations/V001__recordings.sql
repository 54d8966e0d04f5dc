-- Recordings and their segments: the index every other area (moments, playback, tiers, clips)
-- builds on. Enum columns hold the shopcast.recording_lifecycle.v1 enum numbers. Times are
-- timestamptz (microseconds: well under a frame); durations are integer microseconds.

CREATE TABLE recordings (
  -- rec_… id.
  id text PRIMARY KEY,
  -- One recording per stream (a reconnect continues it: discontinuities are in segments).
  stream_id text NOT NULL UNIQUE,
  host_id text NOT NULL,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- RecordingStatus.
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 5),
  -- RetentionDecision (UNDECIDED until the host chooses).
  decision smallint NOT NULL DEFAULT 1 CHECK (decision BETWEEN 1 AND 3),
  -- StorageTier playback reads from as a whole: the tier of the last finished move (segments
  -- may sit in several tiers while a move runs: segments.tier is the truth per object).
  tier smallint NOT NULL DEFAULT 1 CHECK (tier BETWEEN 1 AND 4),
  -- Program date time of the first segment (media offset 0) and end of the last one.
  started_at timestamptz,
  ended_at timestamptz,
  -- Sum of indexed segment durations, their count and bytes.
  duration_us bigint NOT NULL DEFAULT 0 CHECK (duration_us >= 0),
  segment_count bigint NOT NULL DEFAULT 0 CHECK (segment_count >= 0),
  size_bytes bigint NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
  -- From stream_ended: how many segments video-ingest wrote (NULL while live). The recording
  -- is complete once segment_count reaches it.
  expected_segment_count bigint,
  -- video-ingest's poster frame, as an object key in the hot tier ("str_…/poster.jpg"); '' if none.
  poster_key text NOT NULL DEFAULT '',
  -- The host's choice as video-ingest announced it at the end (RecordingChoice), applied once.
  stream_ended_at timestamptz,
  view_count bigint NOT NULL DEFAULT 0,
  last_played_at timestamptz,
  -- A legal hold blocks every move and delete (aging, DELETE, undecided grace).
  legal_hold boolean NOT NULL DEFAULT false,
  -- pol_… that governs it; NULL = the platform default.
  policy_id text,
  tier_changed_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  decided_at timestamptz,
  -- Bumped on every change of title or description (optimistic concurrency).
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX recordings_by_host ON recordings (host_id, created_at DESC, id DESC);

-- One row per segment video-ingest closed (SegmentClosed), in sequence order. An object's key
-- is the same in every tier (storage/object_key.h); `tier` is where its current copy lives.
CREATE TABLE segments (
  recording_id text NOT NULL REFERENCES recordings (id),
  -- Media sequence number: 0, 1, 2… per stream, gapless across sessions.
  sequence bigint NOT NULL CHECK (sequence >= 0),
  session_id text NOT NULL,
  -- EXT-X-PROGRAM-DATE-TIME of the segment's first frame (server clock).
  program_date_time timestamptz NOT NULL,
  duration_us bigint NOT NULL CHECK (duration_us > 0),
  -- Start in the stream's media timeline (sum of earlier durations), as video-ingest computed.
  media_offset_us bigint NOT NULL CHECK (media_offset_us >= 0),
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  -- 64 lower-case hex characters.
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- "str_…/000123.ts".
  object_key text NOT NULL,
  -- EXT-X-DISCONTINUITY before it (reconnect or format change).
  discontinuity boolean NOT NULL DEFAULT false,
  -- StorageTier of the copy playback reads (EXPIRED once the media is gone).
  tier smallint NOT NULL DEFAULT 1 CHECK (tier BETWEEN 1 AND 4),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (recording_id, sequence)
);
-- Mapping a wall-clock moment to a segment.
CREATE INDEX segments_by_time ON segments (recording_id, program_date_time);
