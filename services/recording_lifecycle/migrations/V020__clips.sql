-- Clips and thumbnails (issue 13, area "clips"). Both are durable jobs the clip worker runs:
-- claimed with a lease (lease_owner/lease_until), so a job whose worker died is taken again
-- once its lease lapses, and two replicas never work on the same one. Media objects are stored
-- in the hot tier under the recording's prefix (rec_<id>/clips/…, rec_<id>/thumbs/…), so
-- deleting a recording's objects removes them too.

CREATE TABLE clips (
  -- clp_… id.
  id text PRIMARY KEY,
  recording_id text NOT NULL REFERENCES recordings (id),
  -- usr_… who asked for it; the recording's host for automatic clips.
  creator_id text NOT NULL,
  title text NOT NULL,
  -- What was asked for (media offsets, microseconds).
  requested_start_us bigint NOT NULL CHECK (requested_start_us >= 0),
  requested_duration_us bigint NOT NULL CHECK (requested_duration_us > 0),
  -- What was cut (READY): the start snapped to the keyframe at or before, the end to the one
  -- at or after.
  start_us bigint CHECK (start_us >= 0),
  duration_us bigint CHECK (duration_us > 0),
  -- mom_… when cut around a moment.
  moment_id text,
  -- Made by the worker around a sale of a SAVED recording (not counted in the host's limit).
  automatic boolean NOT NULL DEFAULT false,
  -- ClipStatus: 1 PENDING, 2 PROCESSING, 3 READY, 4 FAILED.
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
  failure_reason text NOT NULL DEFAULT '',
  -- (creator_id, idempotency_key) is unique; NULL for automatic clips.
  idempotency_key text,
  -- Object keys in the hot tier, their SHA-256 (set when READY); the poster is '' without video.
  mp4_key text NOT NULL,
  mp4_sha256 text NOT NULL DEFAULT '',
  mp4_bytes bigint NOT NULL DEFAULT 0,
  poster_key text NOT NULL,
  poster_sha256 text NOT NULL DEFAULT '',
  -- Job bookkeeping.
  attempts integer NOT NULL DEFAULT 0,
  lease_owner text,
  -- While PROCESSING: when the lease lapses. While PENDING: not before (a retry's backoff).
  lease_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- DeleteClip: hidden from then on; its objects are removed (a worker that finishes later
  -- removes what it wrote).
  deleted_at timestamptz
);
CREATE UNIQUE INDEX clips_idempotency ON clips (creator_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX clips_automatic ON clips (recording_id, moment_id) WHERE automatic;
CREATE INDEX clips_by_recording ON clips (recording_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX clips_due ON clips (lease_until NULLS FIRST, created_at)
  WHERE status IN (1, 2) AND deleted_at IS NULL;

CREATE TABLE thumbnails (
  -- thm_… id.
  id text PRIMARY KEY,
  recording_id text NOT NULL REFERENCES recordings (id),
  -- 'poster' (video-ingest's poster frame, recordings.poster_key) or 'moment' (a frame at a
  -- sale's offset, made by the worker).
  kind text NOT NULL CHECK (kind IN ('poster', 'moment')),
  -- mom_… for 'moment'.
  moment_id text,
  media_offset_us bigint NOT NULL CHECK (media_offset_us >= 0),
  -- Hot-tier object key of the JPEG ('' until made).
  object_key text NOT NULL DEFAULT '',
  sha256 text NOT NULL DEFAULT '',
  width integer NOT NULL DEFAULT 0,
  height integer NOT NULL DEFAULT 0,
  -- 1 PENDING, 2 PROCESSING, 3 READY, 4 FAILED (as clips).
  status smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
  failure_reason text NOT NULL DEFAULT '',
  attempts integer NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX thumbnails_poster ON thumbnails (recording_id) WHERE kind = 'poster';
CREATE UNIQUE INDEX thumbnails_moment ON thumbnails (recording_id, moment_id)
  WHERE kind = 'moment';
CREATE INDEX thumbnails_by_recording ON thumbnails (recording_id, media_offset_us, id);
CREATE INDEX thumbnails_due ON thumbnails (lease_until NULLS FIRST, created_at)
  WHERE status IN (1, 2);

-- The thumbnail the host chose (SetPrimaryThumbnail); NULL = the poster.
ALTER TABLE recordings ADD COLUMN primary_thumbnail_id text;
