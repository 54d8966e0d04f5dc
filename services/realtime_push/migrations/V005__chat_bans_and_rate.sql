-- Chat moderation and flood control (V001 has chat_messages and chat_mutes).

-- A banned user cannot chat in the room until unbanned; unlike a mute it has no end and
-- outlives the room's close.
CREATE TABLE chat_bans (
  stream_id text NOT NULL REFERENCES rooms (stream_id) ON DELETE CASCADE,
  user_id text NOT NULL,
  banned_by text NOT NULL,
  banned_at timestamptz NOT NULL,
  PRIMARY KEY (stream_id, user_id)
);

-- One token bucket per user across every room: `tokens` as of `updated_at` (service clock).
-- SendChat locks the row and updates it in the transaction that stores the message, so every
-- replica draws from the same bucket and a refused or failed send takes nothing.
CREATE TABLE chat_rate_buckets (
  user_id text PRIMARY KEY,
  tokens double precision NOT NULL CHECK (tokens >= 0),
  updated_at timestamptz NOT NULL
);
