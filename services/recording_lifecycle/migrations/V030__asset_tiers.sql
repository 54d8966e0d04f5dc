-- Clips and thumbnails age with their recording (issue 13 §2): the mover carries them through
-- the tiers like segments, so each copy gets a pointer to the tier it is in now (StorageTier;
-- EXPIRED once the media is gone). Rows made before this stay where V020 put them: hot.
ALTER TABLE clips
  ADD COLUMN mp4_tier smallint NOT NULL DEFAULT 1 CHECK (mp4_tier BETWEEN 1 AND 4),
  ADD COLUMN poster_tier smallint NOT NULL DEFAULT 1 CHECK (poster_tier BETWEEN 1 AND 4);
ALTER TABLE thumbnails
  ADD COLUMN tier smallint NOT NULL DEFAULT 1 CHECK (tier BETWEEN 1 AND 4);

-- The mover's objects: besides segments and the poster, a clip's MP4 ('clip') and poster
-- ('clip_poster') and a moment thumbnail ('thumbnail'), named by asset_id (clp_… / thm_…).
ALTER TABLE tier_move_objects DROP CONSTRAINT tier_move_objects_kind_check;
ALTER TABLE tier_move_objects ADD CONSTRAINT tier_move_objects_kind_check
  CHECK (kind IN ('segment', 'poster', 'clip', 'clip_poster', 'thumbnail'));
ALTER TABLE tier_move_objects ADD COLUMN asset_id text;

-- Recordings whose clips or thumbnails lag behind the recording's tier (made after it moved):
-- the aging pass finds them through these.
CREATE INDEX clips_by_recording_tier ON clips (recording_id, mp4_tier, poster_tier)
  WHERE status = 3 AND deleted_at IS NULL;
CREATE INDEX thumbnails_by_recording_tier ON thumbnails (recording_id, tier)
  WHERE status = 3 AND kind = 'moment';
