-- Storage tiers and aging (issue 13 §2): aging policies as data, and the mover's durable
-- per-object state machine. Enum columns hold shopcast.recording_lifecycle.v1 enum numbers.

-- Aging policies. `rules` is the policy's AgingRule list as protobuf JSON ({"rules": [...]}),
-- validated by the service before it is written.
CREATE TABLE aging_policies (
  -- pol_… id.
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 60),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
  is_default boolean NOT NULL DEFAULT false,
  rules jsonb NOT NULL,
  undecided_grace_us bigint NOT NULL CHECK (undecided_grace_us > 0),
  version bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- Exactly one platform default (at most one by index; the service never removes the flag).
CREATE UNIQUE INDEX aging_policies_one_default ON aging_policies (is_default) WHERE is_default;

-- A host appears in at most one policy.
CREATE TABLE aging_policy_hosts (
  host_id text PRIMARY KEY,
  policy_id text NOT NULL REFERENCES aging_policies (id) ON DELETE CASCADE
);
CREATE INDEX aging_policy_hosts_by_policy ON aging_policy_hosts (policy_id, host_id);

-- The platform default: hot for 30 days (60 if played in the last 30), warm until 180 days,
-- cold until 3 years; sales keep ±2 min hot until the cold rule; undecided deleted after 7 days.
INSERT INTO aging_policies (id, name, description, is_default, rules, undecided_grace_us,
                            created_at, updated_at)
VALUES ('pol_00000000000000000000000001', 'platform-default',
        'Hot 30 days, warm until 180 days, cold until 3 years, then expired.', true,
        '{"rules": [
           {"fromTier": "STORAGE_TIER_HOT", "toTier": "STORAGE_TIER_WARM",
            "minAge": "2592000s", "minIdle": "1209600s", "saleWindow": "120s"},
           {"fromTier": "STORAGE_TIER_WARM", "toTier": "STORAGE_TIER_COLD",
            "minAge": "15552000s"},
           {"fromTier": "STORAGE_TIER_COLD", "toTier": "STORAGE_TIER_EXPIRED",
            "minAge": "94608000s"}]}'::jsonb,
        604800000000, now(), now());

-- Where the poster (recordings.poster_key) lives now (StorageTier; EXPIRED once gone).
ALTER TABLE recordings ADD COLUMN poster_tier smallint NOT NULL DEFAULT 1
  CHECK (poster_tier BETWEEN 1 AND 4);
-- Aging candidates: finished recordings by tier.
CREATE INDEX recordings_aging ON recordings (tier, ended_at) WHERE status = 3;
CREATE INDEX recordings_purge ON recordings (status) WHERE status = 4;

-- One move of a recording's media to another tier (policy, admin, expiry). At most one open
-- move per recording. state: 'active' (objects being moved), 'parked' (an object cannot
-- proceed: park_reason says why; retried after the park interval), 'done', 'cancelled' (the
-- recording is being deleted).
CREATE TABLE tier_moves (
  id text PRIMARY KEY,
  recording_id text NOT NULL REFERENCES recordings (id),
  from_tier smallint NOT NULL CHECK (from_tier BETWEEN 1 AND 4),
  to_tier smallint NOT NULL CHECK (to_tier BETWEEN 1 AND 4),
  -- 'policy' (aging pass, rule_index of policy_id), 'admin' (MoveRecording), 'purge' (the
  -- recording's deletion: no objects; it marks the media as going, see SetLegalHold).
  origin text NOT NULL CHECK (origin IN ('policy', 'admin', 'purge')),
  policy_id text,
  rule_index integer,
  state text NOT NULL CHECK (state IN ('active', 'parked', 'done', 'cancelled')),
  park_reason text NOT NULL DEFAULT '',
  objects_total bigint NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE UNIQUE INDEX tier_moves_one_open ON tier_moves (recording_id)
  WHERE state IN ('active', 'parked');

-- One object of a move: a segment (sequence set) or the poster (kind 'poster'). Each step is
-- recorded before the next starts; a crash resumes at the recorded step, and every step is
-- idempotent. state: planned -> copying -> verifying -> switching -> deleting_source -> done
-- (to EXPIRED: planned -> switching -> deleting_source -> done).
CREATE TABLE tier_move_objects (
  move_id text NOT NULL REFERENCES tier_moves (id),
  object_key text NOT NULL,
  recording_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('segment', 'poster')),
  sequence bigint,
  sha256 text NOT NULL DEFAULT '',
  size_bytes bigint NOT NULL DEFAULT 0,
  src_tier smallint NOT NULL CHECK (src_tier BETWEEN 1 AND 3),
  dst_tier smallint NOT NULL CHECK (dst_tier BETWEEN 1 AND 4),
  state text NOT NULL CHECK (state IN ('planned', 'copying', 'verifying', 'switching',
                                       'deleting_source', 'done')),
  -- Failed attempts so far, the last failure's reason, and when it may run again.
  attempts integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  parked boolean NOT NULL DEFAULT false,
  next_attempt_at timestamptz NOT NULL,
  -- Lease: the mover replica working on the object, until when (database time).
  lease_owner text NOT NULL DEFAULT '',
  lease_until timestamptz,
  verified boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (move_id, object_key)
);
CREATE INDEX tier_move_objects_due ON tier_move_objects (next_attempt_at)
  WHERE state <> 'done';
CREATE INDEX tier_move_objects_by_recording ON tier_move_objects (recording_id)
  WHERE state <> 'done';
