-- Rotating refresh tokens. Only a SHA-256 of each token is kept. Tokens of one login form a
-- family; presenting a token that was already rotated revokes its whole family.
CREATE TABLE refresh_tokens (
  token_hash  text PRIMARY KEY,
  family_id   text NOT NULL,
  user_id     text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  issued_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  rotated_at  timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
