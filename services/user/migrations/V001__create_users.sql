-- Accounts. Usernames and emails are stored lower-cased, so plain unique indexes give
-- case-insensitive uniqueness.
CREATE TABLE users (
  id            text PRIMARY KEY,
  username      text NOT NULL,
  email         text NOT NULL,
  password_hash text NOT NULL,
  display_name  text NOT NULL,
  bio           text NOT NULL DEFAULT '',
  avatar_url    text NOT NULL DEFAULT '',
  role          smallint NOT NULL DEFAULT 1 CHECK (role BETWEEN 1 AND 3),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_username_key UNIQUE (username),
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_username_lower CHECK (username = lower(username)),
  CONSTRAINT users_email_lower CHECK (email = lower(email))
);

CREATE TABLE notification_preferences (
  user_id            text PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  followed_host_live boolean NOT NULL DEFAULT true,
  outbid             boolean NOT NULL DEFAULT true,
  order_updates      boolean NOT NULL DEFAULT true,
  marketing          boolean NOT NULL DEFAULT false
);
