-- The admin's Recording.locations reads, for each segment, the newest move object that switched
-- it into its tier (recordings/locations.h): by recording and sequence, finished objects
-- included (tier_move_objects_by_recording covers only unfinished ones).
CREATE INDEX tier_move_objects_by_segment ON tier_move_objects (recording_id, sequence, updated_at)
  WHERE kind = 'segment';
