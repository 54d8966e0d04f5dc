-- Ingest sessions belong to the process instance that admitted the encoder, so a starting replica
-- recovers only its own sessions (its previous run's) and those of instances that stopped
-- heart-beating, never the live sessions of a replica that is still running (rolling updates).
ALTER TABLE ingest_sessions ADD COLUMN instance_id text NOT NULL DEFAULT '';

-- One row per video-ingest instance; heartbeat_at advances while the instance runs.
CREATE TABLE ingest_instances (
  id text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL
);

-- Open sessions by owner: recovery and the orphan sweep.
CREATE INDEX ingest_sessions_open_instance_idx ON ingest_sessions (instance_id)
  WHERE ended_at IS NULL;
