CREATE TABLE follows (
  follower_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  followee_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id),
  CONSTRAINT follows_no_self CHECK (follower_id <> followee_id)
);
-- Keyset pagination, newest first, for both directions.
CREATE INDEX follows_by_followee ON follows (followee_id, created_at DESC, follower_id DESC);
CREATE INDEX follows_by_follower ON follows (follower_id, created_at DESC, followee_id DESC);
