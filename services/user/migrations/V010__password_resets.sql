-- Password resets by e-mail. Only a token's SHA-256 is stored (ids::HashSecret), as for refresh
-- tokens: a copy of this table gives nobody a working link. A reset, a password change or a
-- newer reset's use spends every outstanding token of the account. Rows older than a day are
-- dropped when the account asks for another.
CREATE TABLE password_resets (
  token_hash text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  spent_at   timestamptz
);
-- The per-account hourly limit and the spending of a user's outstanding tokens.
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at);

-- A reset ends every session of the user, under its own reason.
ALTER TABLE token_revocations DROP CONSTRAINT token_revocations_reason_check;
ALTER TABLE token_revocations ADD CONSTRAINT token_revocations_reason_check
  CHECK (reason IN ('role_changed', 'logout_all', 'account_deleted', 'logout_session',
                    'password_changed', 'password_reset'));
